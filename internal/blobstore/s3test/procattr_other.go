//go:build unix && !linux

package s3test

import "syscall"

// sysProcAttr puts weed in its own process group (see the Linux version,
// which also ties its life to the test process).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
