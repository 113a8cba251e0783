package telemetry

// cntvct reads the virtual counter CNTVCT_EL0.
func cntvct() int64

// cntfrq reads the counter frequency CNTFRQ_EL0.
func cntfrq() int64

// hardwareTicks reads the hardware tick counter.
func hardwareTicks() int64 { return cntvct() }

// hardwareClockUsable: the generic timer of ARMv8 runs at a constant rate
// readable from user space.
func hardwareClockUsable() bool { return cntfrq() > 0 }

// hardwareFrequency is the rate announced by CNTFRQ_EL0.
func hardwareFrequency() int64 { return cntfrq() }

// cpuBrandString: ARM has no brand string; the original reports "aarch64".
func cpuBrandString() string { return "aarch64" }
