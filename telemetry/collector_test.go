package telemetry

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// collector is an ingestion server for tests: it decodes what it receives
// with internal/transit, as the real server does.
type collector struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	processes []transit.ProcessInfo
	streams   map[string]transit.StreamInfo
	blocks    []transit.Block
	// fail, when set, picks a status for a request (0: accept it).
	fail func(path string) int
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{t: t, streams: map[string]transit.StreamInfo{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) url() string { return c.srv.URL }

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		if status := c.fail(r.URL.Path); status != 0 {
			w.WriteHeader(status)
			return
		}
	}
	switch r.URL.Path {
	case "/ingestion/insert_process":
		p, err := transit.DecodeProcessInfo(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.processes = append(c.processes, p)
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

// event is one decoded event with the stream and block it came in.
type event struct {
	tags   []string
	stream transit.StreamInfo
	block  transit.Block
	index  int64 // index in the stream: object_offset + position in the block
	obj    *transit.Object
}

// events decodes every block received, in stream order (object offset).
func (c *collector) events() []event {
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
	var out []event
	for _, b := range blocks {
		st, ok := c.streams[string(b.StreamID)]
		if !ok {
			// Sink workers deliver concurrently, so a block may arrive
			// before its stream (the protocol allows it). Tests that
			// poll see it once the stream is in; after Shutdown every
			// stream has been delivered, so counts still catch a loss.
			continue
		}
		depUDTs := roundTripUDTs(c.t, st.DependenciesMetadata)
		objUDTs := roundTripUDTs(c.t, st.ObjectsMetadata)
		depBuf, err := transit.Decompress(b.Payload.Dependencies)
		if err != nil {
			c.t.Fatal(err)
		}
		objBuf, err := transit.Decompress(b.Payload.Objects)
		if err != nil {
			c.t.Fatal(err)
		}
		deps, err := transit.ParseDependencies(depBuf, depUDTs)
		if err != nil {
			c.t.Fatalf("stream %v: parse dependencies: %v", st.Tags, err)
		}
		i := b.ObjectOffset
		err = transit.ParseObjects(objBuf, objUDTs, deps, func(o *transit.Object) error {
			out = append(out, event{tags: st.Tags, stream: st, block: b, index: i, obj: o})
			i++
			return nil
		})
		if err != nil {
			c.t.Fatalf("stream %v: parse objects: %v", st.Tags, err)
		}
		if n := i - b.ObjectOffset; n != int64(b.NbObjects) {
			c.t.Fatalf("block has nb_objects %d but %d objects", b.NbObjects, n)
		}
	}
	return out
}

func (c *collector) nbBlocks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.blocks)
}

func roundTripUDTs(t *testing.T, udts []transit.UserDefinedType) []transit.UserDefinedType {
	t.Helper()
	b, err := transit.EncodeUDTs(udts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := transit.DecodeUDTs(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// startTelemetry initializes telemetry against url and shuts it down at the
// end of the test.
func startTelemetry(t *testing.T, cfg Config) *Guard {
	t.Helper()
	g, err := Init(cfg)
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	t.Cleanup(func() { shutdown(t, g) })
	return g
}

func shutdown(t *testing.T, g *Guard) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// byType filters events by type name.
func byType(evs []event, names ...string) []event {
	var out []event
	for _, e := range evs {
		for _, n := range names {
			if e.obj.TypeName == n {
				out = append(out, e)
			}
		}
	}
	return out
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// byTime orders events by time: per-P streams have no order between them.
func byTime(evs []event) []event {
	slices.SortStableFunc(evs, func(a, b event) int {
		ta, _ := a.obj.I64("time")
		tb, _ := b.obj.I64("time")
		return cmp.Compare(ta, tb)
	})
	return evs
}
