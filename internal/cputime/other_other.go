//go:build !linux

package cputime

import (
	"errors"
	"time"
)

// OfProcess is not available outside Linux.
func OfProcess(pid int) (time.Duration, error) {
	return 0, errors.New("the CPU time of another process is read from /proc (Linux only)")
}
