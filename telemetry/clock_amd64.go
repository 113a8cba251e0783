package telemetry

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
)

// rdtsc reads the time-stamp counter (not serializing: RDTSC alone, as
// the original's _rdtsc).
func rdtsc() int64

// cpuid executes CPUID with EAX=leaf and ECX=sub.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// hardwareTicks reads the hardware tick counter.
func hardwareTicks() int64 { return rdtsc() }

// hardwareClockUsable reports whether the TSC ticks at a constant rate
// and keeps ticking in deep sleep states: the Linux kernel says so with the
// constant_tsc and nonstop_tsc flags of /proc/cpuinfo. Elsewhere, or when
// the flags are absent, the portable clock is used.
func hardwareClockUsable() bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "flags" {
			continue
		}
		flags := strings.Fields(v)
		has := func(f string) bool {
			for _, x := range flags {
				if x == f {
					return true
				}
			}
			return false
		}
		return has("constant_tsc") && has("nonstop_tsc")
	}
	return false
}

// hardwareFrequency returns the TSC frequency announced by CPUID leaf
// 0x15 (crystal clock × ratio), or 0 when the processor does not say, in
// which case it is measured.
func hardwareFrequency() int64 {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 0x15 {
		return 0
	}
	den, num, crystal, _ := cpuid(0x15, 0)
	if den == 0 || num == 0 || crystal == 0 {
		return 0
	}
	return int64(crystal) * int64(num) / int64(den)
}

// cpuBrandString returns the processor brand from CPUID leaves
// 0x80000002-4, or "" when unavailable.
func cpuBrandString() string {
	maxExt, _, _, _ := cpuid(0x80000000, 0)
	if maxExt < 0x80000004 {
		return ""
	}
	var buf [48]byte
	for i := range uint32(3) {
		a, b, c, d := cpuid(0x80000002+i, 0)
		binary.LittleEndian.PutUint32(buf[i*16:], a)
		binary.LittleEndian.PutUint32(buf[i*16+4:], b)
		binary.LittleEndian.PutUint32(buf[i*16+8:], c)
		binary.LittleEndian.PutUint32(buf[i*16+12:], d)
	}
	return strings.TrimSpace(string(bytes.TrimRight(buf[:], "\x00")))
}
