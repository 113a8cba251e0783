package workload

import (
	"bytes"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// TestBlocksParse decodes every generated block the way the analytics
// does: through the CBOR message, LZ4 and the stream's type metadata
// (itself sent through CBOR), and checks the events.
func TestBlocksParse(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	p := NewProcess(42, start)
	if _, err := transit.DecodeProcessInfo(mustBody(t, p.ProcessBody)); err != nil {
		t.Fatalf("process body: %v", err)
	}
	wantTypes := map[Kind][2]string{
		Logs:    {"LogStaticStrEvent", "LogStringEventV2"},
		Metrics: {"IntegerMetricEvent", "FloatMetricEvent"},
		Spans:   {"BeginThreadSpanEvent", "EndThreadSpanEvent"},
	}
	for _, s := range p.Streams {
		t.Run(s.Kind.String(), func(t *testing.T) {
			info, err := transit.DecodeStreamInfo(mustBody(t, s.Body))
			if err != nil {
				t.Fatalf("stream body: %v", err)
			}
			for blockIdx, n := range []int{1, 7, 1000} {
				b, err := p.NextBlock(s, n)
				if err != nil {
					t.Fatal(err)
				}
				body, err := transit.Encode(b)
				if err != nil {
					t.Fatal(err)
				}
				got, err := transit.DecodeBlock(body)
				if err != nil {
					t.Fatalf("block %d: %v", blockIdx, err)
				}
				if got.NbObjects != int32(n) || !got.EndTime.After(got.BeginTime.Time) {
					t.Errorf("block %d: nb_objects %d, times %v..%v", blockIdx, got.NbObjects, got.BeginTime, got.EndTime)
				}
				checkEvents(t, info, got, n, wantTypes[s.Kind])
			}
		})
	}
}

func checkEvents(t *testing.T, info transit.StreamInfo, b transit.Block, n int, types [2]string) {
	t.Helper()
	depsBuf, err := transit.Decompress(b.Payload.Dependencies)
	if err != nil {
		t.Fatal(err)
	}
	objsBuf, err := transit.Decompress(b.Payload.Objects)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := transit.ParseDependencies(depsBuf, info.DependenciesMetadata)
	if err != nil {
		t.Fatalf("dependencies: %v", err)
	}
	count := map[string]int{}
	lastTime := int64(-1)
	err = transit.ParseObjects(objsBuf, info.ObjectsMetadata, deps, func(o *transit.Object) error {
		count[o.TypeName]++
		tm, err := o.I64("time")
		if err != nil {
			return err
		}
		if tm < lastTime {
			t.Errorf("%s: time %d before %d", o.TypeName, tm, lastTime)
		}
		lastTime = tm
		// Every event resolves its static metadata through the
		// dependencies: a reference to a record with a string member.
		for _, f := range o.Members {
			if desc, ok := f.Value.Object(); ok {
				if _, err := desc.U64("id"); err != nil {
					t.Errorf("%s.%s: %v", o.TypeName, f.Name, err)
				}
				return nil
			}
		}
		if o.TypeName == "LogStringEventV2" {
			if msg, err := o.Str("msg"); err != nil || msg == "" {
				t.Errorf("LogStringEventV2 msg %q, %v", msg, err)
			}
			return nil
		}
		t.Errorf("%s has no resolved metadata reference", o.TypeName)
		return nil
	})
	if err != nil {
		t.Fatalf("objects: %v", err)
	}
	if count[types[0]]+count[types[1]] != n || (n > 1 && (count[types[0]] == 0 || count[types[1]] == 0)) {
		t.Errorf("events by type %v, want %d of %v", count, n, types)
	}
}

func mustBody(t *testing.T, f func() ([]byte, error)) []byte {
	t.Helper()
	b, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSameSeedSameProcess(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	a, b := NewProcess(7, start), NewProcess(7, start)
	if a.Info.ProcessID != b.Info.ProcessID || a.Streams[2].Info.StreamID != b.Streams[2].Info.StreamID {
		t.Fatal("same seed gave different ids")
	}
	if c := NewProcess(8, start); c.Info.ProcessID == a.Info.ProcessID {
		t.Fatal("different seeds gave the same process id")
	}
	if _, err := a.NextBlock(a.Streams[0], 0); err == nil {
		t.Fatal("NextBlock(0 events) succeeded")
	}
}

func TestTemplate(t *testing.T) {
	p := NewProcess(9, time.Unix(1_800_000_000, 0))
	b, err := p.NextBlock(p.Streams[0], 5)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := NewTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	const id = "0a1b2c3d-0000-4000-8000-00000000abcd"
	got, err := transit.DecodeBlock(tpl.Body(id))
	if err != nil {
		t.Fatal(err)
	}
	want, err := WithID(b, id)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.BlockID) != id || !bytes.Equal(tpl.Body(id), want) || tpl.Events != 5 {
		t.Errorf("template body for %s decodes to id %s; equal to WithID: %v", id, got.BlockID, bytes.Equal(tpl.Body(id), want))
	}
}
