package telemetry

import "unsafe"

// runtimeNoescape returns p, hiding it from escape analysis. The runtime
// keeps noescape reachable by linkname on purpose (runtime/stubs.go lists
// it among the symbols widely used packages pull), so this is stable.
//
//go:noescape
//go:linkname runtimeNoescape runtime.noescape
func runtimeNoescape(p unsafe.Pointer) unsafe.Pointer

// hideArgs returns args, hiding them from escape analysis, so that the
// caller's ...any slice and the boxes of its values stay on the caller's
// stack (boxing an int of 256 or more, a float or a string would
// otherwise allocate on every call).
//
// This is sound because Logf uses the arguments only during the call and
// keeps nothing: neither our formatter nor fmt (whose printer clears its
// argument when it is freed) retain them. The one requirement left is on
// the arguments' own String, Error and Format methods, which must not keep
// a reference to their receiver after they return; see LogSite.Logf.
func hideArgs(args []any) []any {
	if len(args) == 0 {
		return nil
	}
	p := runtimeNoescape(unsafe.Pointer(unsafe.SliceData(args)))
	return unsafe.Slice((*any)(p), len(args))
}
