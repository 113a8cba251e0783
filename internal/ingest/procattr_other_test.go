//go:build !linux

package ingest

import "syscall"

func childProcAttr() *syscall.SysProcAttr { return nil }
