package otlp

import (
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxNanos is the first instant the stores and the analytics cannot
// hold (int64 nanoseconds, rounded down to a year): records at or after
// it are refused.
var maxNanos = uint64(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())

// batch is the records of one process in a request, ready to be stored
// as one block.
type batch struct {
	processID string
	// resource is the first resource of the process in the request.
	resource pcommon.Resource
	payload  []byte
	records  int
	// begin and end bound the records' times, in ns since the epoch.
	begin, end int64
}

// bounds are the times of the accepted records of a resource.
type bounds struct {
	n          int
	begin, end int64
}

// add counts a record at t (ns since the epoch).
func (b *bounds) add(t int64) {
	if b.n == 0 || t < b.begin {
		b.begin = t
	}
	if b.n == 0 || t > b.end {
		b.end = t
	}
	b.n++
}

// merge adds the records of o.
func (b *bounds) merge(o bounds) {
	if o.n == 0 {
		return
	}
	if b.n == 0 || o.begin < b.begin {
		b.begin = o.begin
	}
	if b.n == 0 || o.end > b.end {
		b.end = o.end
	}
	b.n += o.n
}

// rejection counts the records refused in a request and keeps the
// first reason, for the partial-success answer.
type rejection struct {
	n   int64
	msg string
}

// add refuses one record for the reason format says (only the first
// reason is formatted).
func (r *rejection) add(format string, args ...any) {
	if r.n == 0 {
		r.msg = fmt.Sprintf(format, args...)
	}
	r.n++
}

// message is the partial-success error message for signal s.
func (r rejection) message(s Signal) string {
	if r.n == 0 {
		return ""
	}
	// The reason may quote the request (a span name): keep it UTF-8.
	return strings.ToValidUTF8(fmt.Sprintf("%d %s refused; the first: %s", r.n, s.records(), r.msg), "\uFFFD")
}

// group is the resources of a request that belong to one process.
type group struct {
	processID string
	members   []int // indices of the resources, in request order
	bounds    bounds
}

// groupByProcess gathers the resources of a request by process, in order
// of first appearance, leaving out the resources without an accepted
// record.
func groupByProcess(n int, resource func(int) pcommon.Resource, accepted []bounds) []group {
	var out []group
	index := map[string]int{}
	for i := range n {
		if accepted[i].n == 0 {
			continue
		}
		id := ProcessID(resource(i))
		k, ok := index[id]
		if !ok {
			k = len(out)
			index[id] = k
			out = append(out, group{processID: id})
		}
		out[k].members = append(out[k].members, i)
		out[k].bounds.merge(accepted[i])
	}
	return out
}

// checkTime returns why a record time (ns since the epoch) cannot be
// stored, or "" when it can.
func checkTime(what string, t uint64) string {
	if t >= maxNanos {
		return fmt.Sprintf("%s %d is after 2262-01-01, the last instant stored", what, t)
	}
	return ""
}
