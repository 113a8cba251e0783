package cputime

import (
	"os"
	"testing"
	"time"
)

func TestOfProcess(t *testing.T) {
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
	}
	got, err := OfProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self := Process(); got <= 0 || got > self+20*time.Millisecond {
		t.Errorf("OfProcess(self) = %v, Process() = %v", got, self)
	}
	if _, err := OfProcess(-1); err == nil {
		t.Error("OfProcess(-1) succeeded")
	}
}
