package telemetry

import (
	"bufio"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// defaultProcessProperties are the process properties every Go process
// has; MICROMEGAS_PROCESS_PROPERTIES and Config.ProcessProperties override
// them.
func defaultProcessProperties() map[string]string {
	return map[string]string{
		"go-version": runtime.Version(),
		"gomaxprocs": strconv.Itoa(runtime.GOMAXPROCS(0)),
	}
}

// newProcessInfo describes this process (spec 2.4).
func newProcessInfo(processID string, start dualTime, props map[string]string) transit.ProcessInfo {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	info := transit.ProcessInfo{
		ProcessID:    transit.UUID(processID),
		Exe:          exe,
		Distro:       distro(),
		CPUBrand:     cpuBrand(),
		TSCFrequency: frequency(),
		StartTime:    transit.Time{Time: start.time},
		StartTicks:   start.ticks,
		Properties:   props,
	}
	if u, err := user.Current(); err == nil {
		info.Username, info.Realname = u.Username, u.Name
		if info.Realname == "" {
			info.Realname = u.Username
		}
	}
	info.Computer, _ = os.Hostname()
	if parent := os.Getenv(EnvParentProcess); parent != "" {
		info.ParentProcessID = transit.UUID(parent)
	}
	return info
}

func distro() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

// cpuBrand is the CPUID brand string on amd64, "aarch64" on arm64, else
// the model name of /proc/cpuinfo or the architecture.
func cpuBrand() string {
	if b := cpuBrandString(); b != "" {
		return b
	}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
