package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTimes is CPU time spent: by the whole machine (every core, all but
// idle and iowait) and by one process (user + system).
type cpuTimes struct {
	machineBusy time.Duration
	process     time.Duration
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{machineBusy: a.machineBusy - b.machineBusy, process: a.process - b.process}
}

// readCPU reads /proc/stat and, when pid is not 0, /proc/PID/stat.
func readCPU(pid int) (cpuTimes, error) {
	var t cpuTimes
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t, fmt.Errorf("read machine CPU time (Linux only): %w", err)
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 8 || fields[0] != "cpu" {
		return t, fmt.Errorf("unexpected /proc/stat first line %q", line)
	}
	// user nice system idle iowait irq softirq steal ...
	for i, f := range fields[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return t, fmt.Errorf("parse /proc/stat: %w", err)
		}
		if i < 8 { // guest times are already counted in user
			t.machineBusy += time.Duration(v) * clockTick
		}
	}
	if pid == 0 {
		return t, nil
	}
	pstat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return t, fmt.Errorf("read CPU time of the server (-server-pid %d): %w", pid, err)
	}
	// The command name (field 2) may hold spaces: fields count from the
	// last ')'.
	rest := pstat[bytes.LastIndexByte(pstat, ')')+1:]
	pf := strings.Fields(string(rest))
	if len(pf) < 13 {
		return t, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	for _, f := range pf[11:13] { // utime, stime (fields 14 and 15)
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return t, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
		t.process += time.Duration(v) * clockTick
	}
	return t, nil
}
