package lakehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// OTLP blocks.
//
// A stream whose format is catalog.FormatOTLPLogs, FormatOTLPMetrics or
// FormatOTLPTraces holds blocks that are protobuf OTLP export requests
// (package otlp stores them). Their rows come from the same views as the
// transit blocks of the same tag: logs into log_entries and log_stats
// (otlplogs.go), metrics into measures and measure_stats
// (otlpmetrics.go), and spans into otel_spans (otelspans.go). docs/sql.md
// gives the mappings.

// isOTLP reports whether a stream holds OTLP export requests.
func isOTLP(st catalog.Stream) bool { return strings.HasPrefix(st.Format, "otlp/") }

// otlpPayload reads the payload of a block of an OTLP stream of the
// given format.
func (l *Lakehouse) otlpPayload(ctx context.Context, b catalog.Block, m *streamMeta, format string) ([]byte, error) {
	if m.stream.Format != format {
		return nil, fmt.Errorf("block %s: stream %s has format %q, want %q", b.BlockID, b.StreamID, m.stream.Format, format)
	}
	data, err := l.opts.Blobs.Get(ctx, blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID))
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", b.BlockID, err)
	}
	return data, nil
}

// attrsJSON returns the attributes as properties (props.go): a JSON
// object of strings with sorted keys, each value as
// pcommon.Value.AsString (JSON text for maps and arrays, base64 for
// bytes), with the extra pairs (key, value, key, value...) added where
// their value is not empty.
func attrsJSON(attrs pcommon.Map, extra ...string) string {
	if attrs.Len() == 0 && len(extra) == 0 {
		return "{}"
	}
	type kv struct{ k, v string }
	all := make([]kv, 0, attrs.Len()+len(extra)/2)
	for k, v := range attrs.All() {
		all = append(all, kv{k, v.AsString()})
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			all = append(all, kv{extra[i], extra[i+1]})
		}
	}
	if len(all) == 0 {
		return "{}"
	}
	slices.SortStableFunc(all, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	buf := make([]byte, 0, 16*len(all))
	buf = append(buf, '{')
	for i, p := range all {
		if i > 0 && p.k == all[i-1].k {
			continue // the first of repeated keys
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, p.k)
		buf = append(buf, ':')
		buf = appendJSONString(buf, p.v)
	}
	return string(append(buf, '}'))
}
