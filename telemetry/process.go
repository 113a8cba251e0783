package telemetry

import (
	"bufio"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// Environment variables read by Init.
const (
	EnvTelemetryURL      = "MICROMEGAS_TELEMETRY_URL"
	EnvFlushPeriod       = "MICROMEGAS_FLUSH_PERIOD"
	EnvMaxLevel          = "MICROMEGAS_MAX_LEVEL"
	EnvProcessProperties = "MICROMEGAS_PROCESS_PROPERTIES"
	EnvParentProcess     = "MICROMEGAS_TELEMETRY_PARENT_PROCESS"
)

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
	}
	info.Computer, _ = os.Hostname()
	if parent := os.Getenv(EnvParentProcess); parent != "" {
		info.ParentProcessID = transit.UUID(parent)
	}
	return info
}

// parseProperties parses "k=v,k=v"; malformed items are ignored.
func parseProperties(s string) map[string]string {
	props := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(item, "=")
		if k = strings.TrimSpace(k); ok && k != "" {
			props[k] = strings.TrimSpace(v)
		}
	}
	return props
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

func cpuBrand() string {
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

// parseFlushPeriod reads MICROMEGAS_FLUSH_PERIOD: seconds, or a Go duration.
func parseFlushPeriod(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, true
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}
