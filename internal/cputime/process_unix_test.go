//go:build unix

package cputime

import (
	"testing"
	"time"
)

// spun keeps spin's loop from being optimised away.
var spun int

// spin burns CPU for about d of wall time.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		spun++
	}
}

func TestProcessGrows(t *testing.T) {
	before := Process()
	spin(50 * time.Millisecond)
	if d := Process() - before; d <= 0 {
		t.Fatalf("Process grew by %v while spinning", d)
	}
}
