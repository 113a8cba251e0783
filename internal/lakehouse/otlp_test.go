package lakehouse

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/otlp"
	"github.com/micromegas-go/micromegas/internal/sketch"
)

// sendOTLP posts a protobuf OTLP request of signal s through a
// receiver storing into tl, and gives the blocks it made the insert
// time ins.
func sendOTLP(t *testing.T, tl *testLake, s otlp.Signal, body []byte, ins time.Time) {
	t.Helper()
	ctx := context.Background()
	before := map[string]bool{}
	for _, b := range must[[]catalog.Block](t)(tl.store.ListBlocks(ctx, catalog.BlockFilter{})) {
		before[b.BlockID] = true
	}
	r, err := otlp.New(otlp.Options{Catalog: tl.store, Blobs: tl.blobs})
	if err != nil {
		t.Fatal(err)
	}
	if err := postOTLP(r.Handler(s), s, body); err != nil {
		t.Fatal(err)
	}
	for _, b := range must[[]catalog.Block](t)(tl.store.ListBlocks(ctx, catalog.BlockFilter{})) {
		if !before[b.BlockID] {
			tl.store.SetInsertTime(b.BlockID, ins)
		}
	}
}

// postOTLP posts a protobuf request of signal s to h.
func postOTLP(h http.Handler, s otlp.Signal, body []byte) error {
	req := httptest.NewRequest(http.MethodPost, "/v1/"+s.String(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("export %s: %d %q", s, rec.Code, rec.Body)
	}
	return nil
}

func stamp(d time.Duration) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t0.Add(d)) }

func otlpResource(res pcommon.Resource, service string) {
	res.Attributes().PutStr("service.name", service)
	res.Attributes().PutStr("host.name", "otlp-host")
	res.Attributes().PutInt("process.pid", 42)
}

// TestOTLPLogs checks the mapping of OTLP log records to log_entries
// (global and per process) and log_stats.
func TestOTLPLogs(t *testing.T) {
	tl := newTestLake(t)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	otlpResource(rl.Resource(), "logsvc")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("app/db")
	for _, r := range []struct {
		at   time.Duration
		sev  plog.SeverityNumber
		text string
		body func(pcommon.Value)
	}{
		{time.Second, plog.SeverityNumberError, "", func(v pcommon.Value) { v.SetStr("query failed") }},
		{2 * time.Second, plog.SeverityNumberUnspecified, "Warning", func(v pcommon.Value) { v.SetEmptyMap().PutInt("code", 7) }},
		{3 * time.Second, plog.SeverityNumberTrace2, "", func(v pcommon.Value) { v.SetStr("fine") }},
		{0, plog.SeverityNumberUnspecified, "", func(v pcommon.Value) { v.SetStr("observed only") }},
	} {
		lr := sl.LogRecords().AppendEmpty()
		if r.at != 0 {
			lr.SetTimestamp(stamp(r.at))
		} else {
			lr.SetObservedTimestamp(stamp(4 * time.Second))
			lr.SetTraceID(pcommon.TraceID{0: 0xab, 15: 0xcd})
			lr.SetSpanID(pcommon.SpanID{0: 1, 7: 2})
		}
		lr.SetSeverityNumber(r.sev)
		lr.SetSeverityText(r.text)
		r.body(lr.Body())
		lr.Attributes().PutStr("db", "orders")
	}
	sendOTLP(t, tl, otlp.Logs, must[[]byte](t)(plogotlp.NewExportRequestFromLogs(ld).MarshalProto()), t0.Add(time.Minute))
	want := []string{
		ts(time.Second) + " | 2 | app/db | query failed | {\"db\":\"orders\"} | logsvc | otlp-host",
		ts(2*time.Second) + ` | 3 | app/db | {"code":7} | {"db":"orders","severity_text":"Warning"} | logsvc | otlp-host`,
		ts(3*time.Second) + " | 6 | app/db | fine | {\"db\":\"orders\"} | logsvc | otlp-host",
		ts(4*time.Second) + ` | 4 | app/db | observed only | {"db":"orders","span_id":"0100000000000002","trace_id":"ab0000000000000000000000000000cd"} | logsvc | otlp-host`,
	}
	sql := `SELECT time, level, target, msg, properties, exe, computer FROM %s ORDER BY time`
	wantRows(t, tl.rows(t, sprintf(sql, "log_entries"), QueryOptions{}), want...)
	pid := tl.rows(t, `SELECT DISTINCT process_id FROM log_entries`, QueryOptions{})[0]
	wantRows(t, tl.rows(t, sprintf(sql, "view_instance('log_entries', '"+pid+"')"), QueryOptions{}), want...)
	wantRows(t, tl.rows(t, `SELECT level, sum("count") FROM log_stats GROUP BY level ORDER BY level`, QueryOptions{}),
		"2 | 1", "3 | 1", "4 | 1", "6 | 1")
	props := tl.rows(t, `SELECT property_get(process_properties, 'process.pid') FROM log_entries LIMIT 1`, QueryOptions{})
	wantRows(t, props, "42")
}

func TestOTLPLevel(t *testing.T) {
	for _, tc := range []struct {
		n    plog.SeverityNumber
		text string
		want int32
	}{
		{plog.SeverityNumberTrace, "", 6}, {plog.SeverityNumberTrace4, "", 6}, {plog.SeverityNumberDebug, "", 5},
		{plog.SeverityNumberInfo3, "", 4}, {plog.SeverityNumberWarn, "ERROR", 3}, {plog.SeverityNumberError4, "", 2},
		{plog.SeverityNumberFatal, "", 1}, {plog.SeverityNumberFatal4, "", 1},
		{0, "CRITICAL", 1}, {0, "error", 2}, {0, "warn", 3}, {0, "debug", 5}, {0, "trace", 6}, {0, "notice", 4}, {0, "", 4},
	} {
		if got := otlpLevel(tc.n, tc.text); got != tc.want {
			t.Errorf("otlpLevel(%v, %q) = %d, want %d", tc.n, tc.text, got, tc.want)
		}
	}
}

// metricsFixture has one metric of every type; the histograms are sent
// with delta temporality unless cumulative.
func metricsFixture(cumulative bool) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	otlpResource(rm.Resource(), "metricsvc")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("app/meter")
	ms := sm.Metrics()
	temporality := pmetric.AggregationTemporalityDelta
	if cumulative {
		temporality = pmetric.AggregationTemporalityCumulative
	}

	g := ms.AppendEmpty()
	g.SetName("queue")
	g.SetUnit("{item}")
	gp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	gp.SetTimestamp(stamp(time.Second))
	gp.SetIntValue(3)
	gp.Attributes().PutStr("queue", "in")

	s := ms.AppendEmpty()
	s.SetName("bytes")
	s.SetUnit("By")
	sp := s.SetEmptySum().DataPoints().AppendEmpty()
	sp.SetTimestamp(stamp(time.Second))
	sp.SetDoubleValue(1.5)

	h := ms.AppendEmpty()
	h.SetName("latency")
	h.SetUnit("ms")
	hh := h.SetEmptyHistogram()
	hh.SetAggregationTemporality(temporality)
	hp := hh.DataPoints().AppendEmpty()
	hp.SetTimestamp(stamp(2 * time.Second))
	hp.ExplicitBounds().FromRaw([]float64{10, 100})
	hp.BucketCounts().FromRaw([]uint64{1, 2, 1}) // 4, 20, 60, 300
	hp.SetCount(4)
	hp.SetSum(384)
	hp.SetMin(4)
	hp.SetMax(300)

	e := ms.AppendEmpty()
	e.SetName("size")
	e.SetUnit("By")
	eh := e.SetEmptyExponentialHistogram()
	eh.SetAggregationTemporality(temporality)
	ep := eh.DataPoints().AppendEmpty()
	ep.SetTimestamp(stamp(2 * time.Second))
	ep.SetScale(0)             // buckets (2^i, 2^(i+1)]
	ep.Positive().SetOffset(3) // (8, 16], (16, 32]
	ep.Positive().BucketCounts().FromRaw([]uint64{1, 3})
	ep.SetZeroCount(1)
	ep.SetCount(5)
	ep.SetSum(90)

	su := ms.AppendEmpty()
	su.SetName("rpc")
	su.SetUnit("s")
	sp2 := su.SetEmptySummary().DataPoints().AppendEmpty()
	sp2.SetTimestamp(stamp(3 * time.Second))
	sp2.SetCount(10)
	sp2.SetSum(2.5)
	q := sp2.QuantileValues().AppendEmpty()
	q.SetQuantile(0.99)
	q.SetValue(0.9)
	return md
}

// TestOTLPMetrics checks the mapping of every OTLP metric type to
// measures, and of delta histograms to measure_stats sketches.
func TestOTLPMetrics(t *testing.T) {
	tl := newTestLake(t)
	sendOTLP(t, tl, otlp.Metrics, must[[]byte](t)(pmetricotlp.NewExportRequestFromMetrics(metricsFixture(false)).MarshalProto()), t0.Add(time.Minute))
	wantRows(t, tl.rows(t, `SELECT time, target, name, unit, value, properties FROM measures ORDER BY time, name, properties`, QueryOptions{}),
		ts(time.Second)+" | app/meter | bytes | By | 1.5 | {}",
		ts(time.Second)+` | app/meter | queue | {item} | 3 | {"queue":"in"}`,
		ts(2*time.Second)+" | app/meter | latency_count |  | 4 | {}",
		ts(2*time.Second)+" | app/meter | latency_max | ms | 300 | {}",
		ts(2*time.Second)+" | app/meter | latency_min | ms | 4 | {}",
		ts(2*time.Second)+" | app/meter | latency_sum | ms | 384 | {}",
		ts(2*time.Second)+" | app/meter | size_count |  | 5 | {}",
		ts(2*time.Second)+" | app/meter | size_sum | By | 90 | {}",
		ts(3*time.Second)+` | app/meter | rpc | s | 0.9 | {"quantile":"0.99"}`,
		ts(3*time.Second)+" | app/meter | rpc_count |  | 10 | {}",
		ts(3*time.Second)+" | app/meter | rpc_sum | s | 2.5 | {}",
	)
	// Histogram buckets: latency at 4 (min..10 → 7, clamped), 55 ×2, 200
	// (100..max 300); size at 0, 2^3.5, 2^4.5 ×3.
	got := tl.rows(t, `SELECT name, "count", "sum", "min", round("max", 1), round(quantile_from_sketch(sketch, 0.5), 1),
		round(quantile_from_sketch(sketch, 1.0), 1) FROM measure_stats WHERE name IN ('latency', 'size') ORDER BY name`, QueryOptions{})
	wantRows(t, got, "latency | 4 | 384 | 4 | 300 | 55.1 | 300", "size | 5 | 90 | 0 | 22.6 | 22.6 | 22.6")
}

// TestOTLPCumulativeHistograms checks that cumulative histograms give
// their measures rows, and that a first point without a start time adds
// no sketch (it is only the base of the next point's delta, cumulative.go;
// TestCumulativeHistogramsFromSDK checks the deltas).
func TestOTLPCumulativeHistograms(t *testing.T) {
	tl := newTestLake(t)
	sendOTLP(t, tl, otlp.Metrics, must[[]byte](t)(pmetricotlp.NewExportRequestFromMetrics(metricsFixture(true)).MarshalProto()), t0.Add(time.Minute))
	wantRows(t, tl.rows(t, `SELECT count(*) FROM measures WHERE name LIKE 'latency%'`, QueryOptions{}), "4")
	wantRows(t, tl.rows(t, `SELECT name FROM measure_stats WHERE name IN ('latency', 'size')`, QueryOptions{}))
}

func TestExplicitSketch(t *testing.T) {
	for _, tc := range []struct {
		name             string
		bounds           []float64
		counts           []uint64
		min, max         *float64
		wantQ50, wantMax float64
	}{
		{"bounded", []float64{10, 100}, []uint64{1, 2, 1}, ptr(4.0), ptr(300.0), 55, 300},
		{"open ends without min and max", []float64{10, 100}, []uint64{1, 0, 3}, nil, nil, 100, 100},
		{"one bucket", nil, []uint64{4}, ptr(2.0), ptr(6.0), 4, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pmetric.NewHistogramDataPoint()
			p.ExplicitBounds().FromRaw(tc.bounds)
			p.BucketCounts().FromRaw(tc.counts)
			var n uint64
			for _, c := range tc.counts {
				n += c
			}
			p.SetCount(n)
			if tc.min != nil {
				p.SetMin(*tc.min)
				p.SetMax(*tc.max)
			}
			sk := explicitSketch(p)
			if sk.Count != n {
				t.Errorf("count %d, want %d", sk.Count, n)
			}
			if q := sk.Quantile(0.5); q < tc.wantQ50*0.99 || q > tc.wantQ50*1.01 {
				t.Errorf("median %g, want %g", q, tc.wantQ50)
			}
			if sk.Max != tc.wantMax && tc.max != nil {
				t.Errorf("max %g, want %g", sk.Max, tc.wantMax)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// explicitSketch is the sketch of a delta histogram point with explicit
// bounds, as measure_stats makes it.
func explicitSketch(p pmetric.HistogramDataPoint) sketch.Sketch {
	hp := explicitPoint(p)
	return hp.sketch()
}

// traceLake stores spans of traces 1, 2 and 3 in three hours (trace n
// in hour n-1, its spans in reverse trace order within the block) and
// materializes otel_spans in hour partitions, or minute partitions
// merged into hours.
func traceLake(t *testing.T, tl *testLake, merged bool) {
	t.Helper()
	ctx := context.Background()
	for h := range 3 {
		td := spansFixture(byte(h+1), time.Duration(h)*time.Hour)
		sendOTLP(t, tl, otlp.Traces, must[[]byte](t)(td.MarshalProto()), t0.Add(time.Duration(h)*time.Hour+time.Minute))
		// A second block, later in the hour, of other traces.
		td = spansFixture(byte(h+100), time.Duration(h)*time.Hour)
		sendOTLP(t, tl, otlp.Traces, must[[]byte](t)(td.MarshalProto()), t0.Add(time.Duration(h)*time.Hour+30*time.Minute))
	}
	delta := time.Hour
	if merged {
		delta = time.Minute
	}
	if _, err := tl.MaterializeRange(ctx, OtelSpansView, t0, t0.Add(3*time.Hour), delta); err != nil {
		t.Fatal(err)
	}
	if merged {
		if _, err := tl.MaterializeRange(ctx, OtelSpansView, t0, t0.Add(3*time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
}

// traceHex is the trace id of trace n, as stored.
func traceHex(n byte) string { return pcommon.TraceID{0: n, 15: n}.String() }

// spansFixture is a request of one service with a root and a child span
// of trace n+50 and then of trace n, from offset.
func spansFixture(n byte, offset time.Duration) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	otlpResource(rs.Resource(), "spansvc")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("app/tracer")
	for _, tr := range []byte{n + 50, n} {
		for i, name := range []string{"root", "child"} {
			sp := ss.Spans().AppendEmpty()
			sp.SetTraceID(pcommon.TraceID{0: tr, 15: tr})
			sp.SetSpanID(pcommon.SpanID{0: tr, 7: byte(i + 1)})
			if i == 1 {
				sp.SetParentSpanID(pcommon.SpanID{0: tr, 7: 1})
				sp.SetKind(ptrace.SpanKindClient)
			}
			sp.SetName(name)
			sp.SetStartTimestamp(stamp(offset + time.Duration(i)*time.Millisecond))
			sp.SetEndTimestamp(stamp(offset + time.Duration(10-i)*time.Millisecond))
			sp.Attributes().PutInt("i", int64(i))
		}
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

// TestOtelSpansTraceLookup checks that otel_spans files are sorted by
// trace id and carry a trace id filter, and that a query for a trace
// opens only the files that may hold it, with the rows of the full scan.
func TestOtelSpansTraceLookup(t *testing.T) {
	for _, merged := range []bool{false, true} {
		name := "hour partitions"
		if merged {
			name = "minutes merged into hours"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tl := newTestLake(t)
			traceLake(t, tl, merged)
			parts := tl.partitions(t, OtelSpansView, GlobalInstance)
			if len(parts) != 3 || sourceCount(parts[0]) != 2 {
				t.Fatalf("%d partitions, want 3 hours of 2 blocks", len(parts))
			}
			for _, p := range parts {
				path, release, err := tl.localFile(ctx, p.FilePath)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok, err := engine.ReadKeyValue(path, traceIDsKey); err != nil || !ok {
					t.Errorf("%s has no trace id filter (%v)", p.FilePath, err)
				}
				ids := fileTraceIDs(t, tl, path)
				release()
				if !slices.IsSorted(ids) || len(ids) != 8 {
					t.Errorf("%s: trace ids %v, want 8 sorted", p.FilePath, ids)
				}
			}
			for _, tc := range []struct {
				where, opened string
			}{
				{"trace_id = '" + traceHex(2) + "'", "hour1"},
				{"'" + traceHex(3) + "' = trace_id AND name = 'child'", "hour2"},
				{"trace_id IN ('" + traceHex(1) + "', '" + traceHex(102) + "')", "hour0 hour2"},
				{"s.trace_id = '" + traceHex(2) + "'", "hour1"},
				{"trace_id = 'ffffffffffffffffffffffffffffffff'", ""},
				{"trace_id = '" + traceHex(2) + "' OR name = 'root'", "hour0 hour1 hour2"},
				{"trace_id NOT IN ('" + traceHex(2) + "')", "hour0 hour1 hour2"},
				{"trace_id LIKE '" + traceHex(2) + "'", "hour0 hour1 hour2"},
			} {
				sql := `SELECT s.name, s.span_id, s.parent_span_id, s.kind FROM otel_spans s WHERE ` + tc.where + ` ORDER BY s.trace_id, s."begin"`
				if tc.where[0] != 's' {
					sql = `SELECT name, span_id, parent_span_id, kind FROM otel_spans WHERE ` + tc.where + ` ORDER BY trace_id, "begin"`
				}
				if got := joinSpace(openedFiles(t, tl, parts, "hour", sql, nil, QueryOptions{})); got != tc.opened {
					t.Errorf("%s: opened %q, want %q", tc.where, got, tc.opened)
				}
			}
			sp := pcommon.SpanID{0: 2, 7: 1}.String()
			wantRows(t, tl.rows(t, `SELECT name, span_id, parent_span_id, kind, duration, property_get(attributes, 'i'), service_name, scope_name
				FROM otel_spans WHERE trace_id = '`+traceHex(2)+`' ORDER BY "begin"`, QueryOptions{}),
				"root | "+sp+" | (null) | unspecified | 10000000 | 0 | spansvc | app/tracer",
				"child | "+pcommon.SpanID{0: 2, 7: 2}.String()+" | "+sp+" | client | 8000000 | 1 | spansvc | app/tracer")
			// The per-process view: its just-in-time partitions have
			// filters too.
			pid := tl.rows(t, `SELECT DISTINCT process_id FROM otel_spans`, QueryOptions{})[0]
			sql := `SELECT name FROM view_instance('otel_spans', '` + pid + `') WHERE trace_id = '` + traceHex(3) + `'`
			wantRows(t, tl.rows(t, sql, QueryOptions{}), "root", "child")
			jit := tl.partitions(t, OtelSpansView, pid)
			if got := openedFiles(t, tl, jit, "part", sql, nil, QueryOptions{}); len(jit) != 3 || len(got) != 1 {
				t.Errorf("view_instance: %d partitions, opened %v; want one of 3", len(jit), got)
			}
		})
	}
}

func joinSpace(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

// fileTraceIDs reads the trace_id column of a Parquet file in order.
func fileTraceIDs(t *testing.T, tl *testLake, path string) []string {
	t.Helper()
	rdr, err := tl.eng.Query(context.Background(), `SELECT trace_id FROM f`, []engine.Table{{Name: "f", Files: []string{path}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	rows, err := readRows(rdr)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// FuzzDecodeOTLP feeds arbitrary payloads to the decoders of OTLP
// blocks (the payload of a block is a client's request body): they
// return rows or an error, never panic.
func FuzzDecodeOTLP(f *testing.F) {
	f.Add(uint8(0), must[[]byte](f)(plogotlp.NewExportRequest().MarshalProto()))
	f.Add(uint8(1), must[[]byte](f)(pmetricotlp.NewExportRequestFromMetrics(metricsFixture(false)).MarshalProto()))
	f.Add(uint8(1), must[[]byte](f)(pmetricotlp.NewExportRequestFromMetrics(metricsFixture(true)).MarshalProto()))
	f.Add(uint8(2), must[[]byte](f)(spansFixture(1, 0).MarshalProto()))
	bc := &blockContext{processID: "p", streamID: "s", blockID: "b"}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		switch kind % 3 {
		case 0:
			decodeOTLPLogs(data, 0, 10)
		case 1:
			om, err := decodeOTLPMetrics(data, 10, false)
			if err != nil {
				return
			}
			// Each cumulative point after itself and after the others
			// (histDelta on whatever the payload holds).
			s := newCumulativeState("s")
			for i := range om.cumulative {
				c := om.cumulative[i]
				c.p.time++
				for j := range om.cumulative {
					s.add(&om.cumulative[j], 1)
				}
				if d, ok := s.delta(&c, 1); ok {
					d.sketch()
				}
			}
		default:
			rows, err := decodeOTLPSpans(data, bc, nil)
			if err == nil {
				(&spanRows{rows: rows}).flush(newCols(OtelSpansSchema))
			}
		}
	})
}
