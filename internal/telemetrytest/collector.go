// Package telemetrytest is an ingestion endpoint for the tests of the
// telemetry packages: it decodes what it receives with internal/transit,
// as the real server does, and hands back the events.
package telemetrytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// Collector receives telemetry over HTTP.
type Collector struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	streams map[string]transit.StreamInfo
	blocks  []transit.Block
}

// New starts a collector, closed at the end of the test.
func New(t testing.TB) *Collector {
	t.Helper()
	c := &Collector{t: t, streams: map[string]transit.StreamInfo{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

// URL is the telemetry URL of the collector.
func (c *Collector) URL() string { return c.srv.URL }

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch r.URL.Path {
	case "/ingestion/insert_process":
	case "/ingestion/insert_stream":
		s, err := transit.DecodeStreamInfo(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.streams[string(s.StreamID)] = s
	case "/ingestion/insert_block":
		b, err := transit.DecodeBlock(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.blocks = append(c.blocks, b)
	default:
		http.NotFound(w, r)
	}
}

// Event is one decoded event.
type Event struct {
	Tags []string
	Obj  *transit.Object
}

// Events decodes the blocks received so far, each stream in order.
func (c *Collector) Events() []Event {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	blocks := append([]transit.Block(nil), c.blocks...)
	sort.SliceStable(blocks, func(i, j int) bool {
		if blocks[i].StreamID != blocks[j].StreamID {
			return blocks[i].StreamID < blocks[j].StreamID
		}
		return blocks[i].ObjectOffset < blocks[j].ObjectOffset
	})
	var out []Event
	for _, b := range blocks {
		st, ok := c.streams[string(b.StreamID)]
		if !ok {
			continue // its stream is still on its way
		}
		depBuf, err := transit.Decompress(b.Payload.Dependencies)
		if err != nil {
			c.t.Fatal(err)
		}
		objBuf, err := transit.Decompress(b.Payload.Objects)
		if err != nil {
			c.t.Fatal(err)
		}
		deps, err := transit.ParseDependencies(depBuf, st.DependenciesMetadata)
		if err != nil {
			c.t.Fatalf("parse dependencies: %v", err)
		}
		err = transit.ParseObjects(objBuf, st.ObjectsMetadata, deps, func(o *transit.Object) error {
			out = append(out, Event{Tags: st.Tags, Obj: o})
			return nil
		})
		if err != nil {
			c.t.Fatalf("parse objects: %v", err)
		}
	}
	return out
}

// Span is an async span rebuilt from its begin and end events, its
// trace ids (AsyncSpanTraceEvent), as lowercase hex ("" when not
// recorded, or zero), and its status (AsyncSpanStatusEvent).
type Span struct {
	ID, Parent uint64
	Depth      uint32
	Name       string
	Target     string
	Begin, End int64 // ticks

	TraceID, OTelSpanID, OTelParentSpanID string

	// HasStatus says whether a status was recorded; the sizes are -1
	// when unknown.
	HasStatus                   bool
	Status                      int64
	RequestBytes, ResponseBytes int64
}

// AsyncSpans pairs the async span events received.
func (c *Collector) AsyncSpans() []Span {
	byID := map[uint64]*Span{}
	var order []uint64
	get := func(id uint64) *Span {
		s := byID[id]
		if s == nil {
			s = &Span{ID: id}
			byID[id] = s
			order = append(order, id)
		}
		return s
	}
	hex := func(o *transit.Object, members ...string) string {
		out := ""
		for _, m := range members {
			v, _ := o.U64(m)
			out += fmt.Sprintf("%016x", v)
		}
		if strings.Trim(out, "0") == "" {
			return ""
		}
		return out
	}
	for _, e := range c.Events() {
		if e.Obj.TypeName == transit.AsyncSpanTraceTypeName {
			id, _ := e.Obj.U64("span_id")
			s := get(id)
			s.TraceID = hex(e.Obj, "trace_id_high", "trace_id_low")
			s.OTelSpanID = hex(e.Obj, "otel_span_id")
			s.OTelParentSpanID = hex(e.Obj, "otel_parent_span_id")
			continue
		}
		if e.Obj.TypeName == transit.AsyncSpanStatusTypeName {
			id, _ := e.Obj.U64("span_id")
			s := get(id)
			s.HasStatus = true
			s.Status, _ = e.Obj.I64("status")
			s.RequestBytes, _ = e.Obj.I64("request_bytes")
			s.ResponseBytes, _ = e.Obj.I64("response_bytes")
			continue
		}
		begin := e.Obj.TypeName == "BeginAsyncSpanEvent"
		if !begin && e.Obj.TypeName != "EndAsyncSpanEvent" {
			continue
		}
		id, _ := e.Obj.U64("span_id")
		s := get(id)
		t, _ := e.Obj.I64("time")
		if !begin {
			s.End = t
			continue
		}
		s.Begin = t
		s.Parent, _ = e.Obj.U64("parent_span_id")
		s.Depth, _ = e.Obj.U32("depth")
		if desc, err := e.Obj.Obj("span_desc"); err == nil {
			s.Name, _ = desc.Str("name")
			s.Target, _ = desc.Str("target")
		}
	}
	out := make([]Span, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

// Measure is a metric value with its properties.
type Measure struct {
	Name, Unit, Target string
	Value              float64
	Properties         map[string]string
}

// Measures returns the metric values received.
func (c *Collector) Measures() []Measure {
	var out []Measure
	for _, e := range c.Events() {
		switch e.Obj.TypeName {
		case "IntegerMetricEvent", "FloatMetricEvent", "TaggedIntegerMetricEvent", "TaggedFloatMetricEvent":
		default:
			continue
		}
		var m Measure
		if desc, err := e.Obj.Obj("desc"); err == nil {
			m.Name, _ = desc.Str("name")
			m.Unit, _ = desc.Str("unit")
			m.Target, _ = desc.Str("target")
		}
		if v, err := e.Obj.U64("value"); err == nil {
			m.Value = float64(v)
		} else if f, err := e.Obj.F64("value"); err == nil {
			m.Value = f
		}
		if p, err := e.Obj.Obj("properties"); err == nil {
			m.Properties, _ = p.PropertyMap()
		}
		out = append(out, m)
	}
	return out
}
