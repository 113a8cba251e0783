//go:build !amd64 && !arm64

package telemetry

// hardwareTicks is never called: there is no hardware clock here.
func hardwareTicks() int64 { return nanotime() }

func hardwareClockUsable() bool { return false }

func hardwareFrequency() int64 { return 0 }

func cpuBrandString() string { return "" }
