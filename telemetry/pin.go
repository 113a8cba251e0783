package telemetry

import _ "unsafe" // for go:linkname

// procPin disables preemption and returns the id of the current P
// (processor). Until procUnpin, no other goroutine runs on this P, so a
// per-P buffer indexed by that id is written without a lock. sync.Pool is
// built the same way; these runtime functions are on the runtime's list of
// widely used linknames.
//
// A pinned section must be short and must not block: no channel operation
// that can wait, no lock that can sleep.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
