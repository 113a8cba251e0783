package cputime

import (
	"runtime"
	"testing"
	"time"
)

func TestThreadGrows(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := Thread()
	spin(50 * time.Millisecond)
	d := Thread() - before
	if d <= 0 || d > time.Second {
		t.Fatalf("Thread grew by %v while spinning 50ms", d)
	}
}
