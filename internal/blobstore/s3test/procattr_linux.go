package s3test

import "syscall"

// sysProcAttr puts weed in its own process group, so that a Ctrl-C on the
// test does not race our shutdown and Stop reaches any child it starts,
// and kills it with the test process if that dies first (a test timeout):
// never an orphaned server.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
