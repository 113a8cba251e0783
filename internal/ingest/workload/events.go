package workload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// site is one static call site (a log statement, a metric, a span scope):
// its metadata record and the four strings that record points to.
type site struct {
	id      uint64    // address of the metadata record
	strs    [4]uint64 // addresses of the strings
	text    [4]string
	line    uint32
	lastU32 uint32 // level for logs, lod for metrics and spans
}

// newSites returns n sites of kind k with distinct addresses.
func newSites(k Kind, n int) []site {
	sites := make([]site, n)
	for i := range sites {
		base := uint64(0x10_0000*(int(k)+1) + 0x1000*i)
		s := &sites[i]
		s.id = base
		for j := range s.strs {
			s.strs[j] = base + 0x100*uint64(j+1)
		}
		file := "src/workload/" + k.String() + ".go"
		switch k {
		case Logs:
			s.text = [4]string{"request " + strconv.Itoa(i) + " served", "workload/http", "workload::http", file}
			s.lastU32 = uint32(2 + i%4) // error, warn, info, debug
		case Metrics:
			unit := "bytes"
			if i%2 == 1 {
				unit = "ms"
			}
			s.text = [4]string{"metric_" + strconv.Itoa(i), unit, "workload/metrics", file}
			s.lastU32 = 1
		case Spans:
			s.text = [4]string{"span_" + strconv.Itoa(i), "workload/spans", "workload::spans", file}
			s.lastU32 = 1
		}
		s.line = uint32(10 + i)
	}
	return sites
}

// encodeSites returns the dependency buffer holding every site: each
// string as a StaticString record, then the 48-byte metadata record, so
// that references always point backwards (the order readers require).
func encodeSites(sites []site) []byte {
	var b []byte
	for _, s := range sites {
		for j, id := range s.strs {
			b = append(b, depStaticString)
			b = transit.AppendU32(b, uint32(8+len(s.text[j])))
			b = transit.AppendU64(b, id)
			b = append(b, s.text[j]...)
		}
		b = append(b, depMetadata)
		b = transit.AppendU64(b, s.id)
		for _, id := range s.strs {
			b = transit.AppendU64(b, id)
		}
		b = transit.AppendU32(b, s.line)
		b = transit.AppendU32(b, s.lastU32)
	}
	return b
}

// appendEvent appends the i-th event of a block to objs.
func (s *Stream) appendEvent(objs []byte, rng *rand.Rand, i int, ticks int64) []byte {
	st := &s.sites[rng.IntN(len(s.sites))]
	switch s.Kind {
	case Logs:
		if i%2 == 0 {
			objs = append(objs, logStaticStrEvent)
			objs = transit.AppendU64(objs, st.id)
			return transit.AppendI64(objs, ticks)
		}
		msg := fmt.Sprintf("request %d served in %d ms", s.offset+int64(i), rng.IntN(500))
		objs = append(objs, logStringEventV2)
		objs = transit.AppendU32(objs, uint32(8+8+transit.DynStringSize(msg)))
		objs = transit.AppendU64(objs, st.id)
		objs = transit.AppendI64(objs, ticks)
		return transit.AppendDynString(objs, msg)
	case Metrics:
		if i%2 == 0 {
			objs = append(objs, integerMetricEvent)
			objs = transit.AppendU64(objs, st.id)
			objs = transit.AppendU64(objs, uint64(rng.IntN(1<<20)))
		} else {
			objs = append(objs, floatMetricEvent)
			objs = transit.AppendU64(objs, st.id)
			objs = transit.AppendU64(objs, math.Float64bits(rng.Float64()*100))
		}
		return transit.AppendI64(objs, ticks)
	default:
		// Spans nest in pairs: begin at even events, end at odd ones, on
		// the site of the begin.
		if i%2 == 1 {
			st = &s.sites[int(s.offset+int64(i)-1)%len(s.sites)]
			objs = append(objs, endThreadSpan)
		} else {
			st = &s.sites[int(s.offset+int64(i))%len(s.sites)]
			objs = append(objs, beginThreadSpan)
		}
		objs = transit.AppendU64(objs, st.id)
		return transit.AppendI64(objs, ticks)
	}
}
