package loadtest

import "syscall"

// childAttr makes a child process die with the harness, so an
// interrupted run leaves no node or emitter behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
