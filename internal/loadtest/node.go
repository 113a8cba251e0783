package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// node is one `micromegas serve --roles ...` child process, restartable.
type node struct {
	name  string   // "ingestion-1"
	role  string   // ingestion, analytics or maintenance
	bin   string   // the micromegas binary
	args  []string // after serve
	env   []string
	dir   string // data folder (partition cache of analytics and daemon nodes)
	usage *usage

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	addrs map[string]string // ingestion, flightsql, web, health → URL
}

// startTimeout bounds the start of a node, PostgreSQL migrations and the
// engine included, on a loaded machine.
const startTimeout = 90 * time.Second

// start runs the node and waits until it printed its addresses.
func (n *node) start() error {
	logFile, err := os.OpenFile(filepath.Join(n.dir, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.bin, append([]string{"serve"}, n.args...)...)
	cmd.Env = n.env
	cmd.Stderr = logFile
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", n.name, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(done)
	}()
	go n.usage.sample(cmd.Process.Pid, done)
	want := map[string]bool{}
	switch n.role {
	case "ingestion":
		want["ingestion"] = true
	case "analytics":
		want["flightsql"], want["web"] = true, true
	default:
		want["health"] = true
	}
	addrs := map[string]string{}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	timeout := time.After(startTimeout)
	for len(want) > 0 {
		select {
		case line, ok := <-lines:
			if !ok {
				<-done
				return fmt.Errorf("%s exited during start (see %s)", n.name, filepath.Join(n.dir, "node.log"))
			}
			if k, v, found := strings.Cut(line, "="); found {
				addrs[k] = v
				delete(want, k)
			}
		case <-timeout:
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("%s did not print its addresses within %s (see %s)", n.name, startTimeout, filepath.Join(n.dir, "node.log"))
		}
	}
	go func() { // keep draining stdout
		for range lines {
		}
	}()
	n.mu.Lock()
	n.cmd, n.done, n.addrs = cmd, done, addrs
	n.mu.Unlock()
	return nil
}

// addr returns the URL of one of the node's listeners ("" when it is
// down).
func (n *node) addr(kind string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return ""
	}
	return n.addrs[kind]
}

// pid is the process id of the running node (0 when down).
func (n *node) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// kill sends SIGKILL and waits for the process to exit.
func (n *node) kill() {
	n.signal(syscall.SIGKILL, 0)
}

// stop sends SIGTERM (a graceful shutdown) and waits, up to 40 s, then
// kills.
func (n *node) stop() {
	n.signal(syscall.SIGTERM, 40*time.Second)
}

func (n *node) signal(sig syscall.Signal, grace time.Duration) {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
			cmd.Process.Kill()
		}
	}
	<-done
}

// ready polls the node's /ready until it answers 200.
func (n *node) ready(ctx context.Context) error {
	kind := map[string]string{"ingestion": "ingestion", "analytics": "web"}[n.role]
	if kind == "" {
		kind = "health"
	}
	for {
		if err := getOK(ctx, n.addr(kind)+"/ready"); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", n.name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// usage accumulates the CPU time and the peak resident memory of the
// processes of one role, sampled from /proc while they run (a killed
// process keeps the CPU time of its last sample).
type usage struct {
	mu      sync.Mutex
	cpu     time.Duration // of processes that ended
	running map[int]time.Duration
	peakRSS int64 // bytes
}

func newUsage() *usage { return &usage{running: map[int]time.Duration{}} }

func (u *usage) sample(pid int, done <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		cpu, rss, err := procUsage(pid)
		if err == nil {
			u.mu.Lock()
			u.running[pid] = cpu
			u.peakRSS = max(u.peakRSS, rss)
			u.mu.Unlock()
		}
		select {
		case <-done:
			u.mu.Lock()
			u.cpu += u.running[pid]
			delete(u.running, pid)
			u.mu.Unlock()
			return
		case <-t.C:
		}
	}
}

// totals returns the CPU time so far and the peak resident memory.
func (u *usage) totals() (time.Duration, int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cpu := u.cpu
	for _, c := range u.running {
		cpu += c
	}
	return cpu, u.peakRSS
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat (100
// on Linux for every architecture Go supports).
const clockTicks = 100

// procUsage reads the CPU time (user + system) and the peak resident
// memory (VmHWM) of a process.
func procUsage(pid int) (time.Duration, int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name (which may hold spaces) in ")".
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	var hwm int64
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &hwm)
		}
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, hwm << 10, nil
}
