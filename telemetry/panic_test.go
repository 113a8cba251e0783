package telemetry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var panicBefore = NewLogSite(LevelInfo, "panic/test", "recorded before the panic")

// TestFlushOnPanic: the panic is logged as a fatal entry with its value
// and stack and is flushed before the panic goes on, with the same value.
func TestFlushOnPanic(t *testing.T) {
	c := newCollector(t)
	startTelemetry(t, Config{URL: c.url()})
	boom := errors.New("boom")
	var got any
	func() {
		defer func() { got = recover() }()
		defer FlushOnPanic(10 * time.Second)
		panicBefore.Log()
		panic(boom)
	}()
	if got != boom {
		t.Fatalf("re-panicked with %v, want %v", got, boom)
	}
	// No Shutdown yet: FlushOnPanic itself sent the entries. They may be
	// on two per-P streams (the goroutine can move): order them by time.
	var msgs []string
	for _, e := range byTime(c.events()) {
		desc, err := e.obj.Obj("desc")
		if err != nil {
			continue
		}
		level, _ := desc.U32("level")
		target, _ := desc.Str("target")
		switch {
		case e.obj.TypeName == "LogStringEventV2" && target == "panic":
			msg, _ := e.obj.Str("msg")
			if level != uint32(LevelFatal) {
				t.Errorf("panic entry at level %d, want fatal", level)
			}
			msgs = append(msgs, msg)
		case e.obj.TypeName == "LogStaticStrEvent" && target == "panic/test":
			msgs = append(msgs, "before")
		}
	}
	if len(msgs) != 2 || msgs[0] != "before" {
		t.Fatalf("entries flushed: %q, want the one before and the panic", msgs)
	}
	for _, want := range []string{"panic: boom", "goroutine ", "TestFlushOnPanic"} {
		if !strings.Contains(msgs[1], want) {
			t.Errorf("panic entry %q lacks %q", msgs[1], want)
		}
	}
}

// TestFlushOnPanicNoPanic: without a panic it does nothing.
func TestFlushOnPanicNoPanic(t *testing.T) {
	func() {
		defer FlushOnPanic(time.Second)
	}()
}
