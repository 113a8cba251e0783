package ingest

import "syscall"

// childProcAttr kills a child server with the test process, should the
// test die first (a timeout).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
