package telemetry

// Benchmarks of every event type, with peers measured in the same run:
// the OpenTelemetry Go SDK, log/slog, zerolog and the Prometheus client.
// Each runs b.RunParallel on all cores. Our blocks are discarded by the
// dispatcher instead of being encoded and sent, so the figures are the
// cost in the calling goroutine, as in the original's benchmarks (a
// NullEventSink); cmd/micromegas-loadgen measures the whole pipeline.
//
//	go test -run '^$' -bench . -benchmem ./telemetry/

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var (
	benchStatic   = NewLogSite(LevelInfo, "bench", "static message")
	benchFmt      = NewLogSite(LevelInfo, "bench", "value=%d")
	benchFmtFmt   = NewLogSite(LevelInfo, "bench", "value=%+d") // a flag: formatted by fmt
	benchTagged   = NewLogSite(LevelInfo, "bench", "structured message")
	benchDisabled = NewLogSite(LevelDebug, "bench", "disabled message")
	benchInt      = NewMetric("bench_int", "count")
	benchFloat    = NewMetric("bench_float", "ms")
	benchSpan     = NewSpan("bench")
	benchTraceIDs = TraceIDs{TraceID: [16]byte{1, 2, 3}, SpanID: [8]byte{4}, ParentSpanID: [8]byte{5}}
)

// startBench initializes telemetry with CPU tracing and blocks discarded.
func startBench(b *testing.B) {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	benchDiscardBlocks = true
	g, err := Init(Config{URL: srv.URL, EnableCPUTracing: true, MaxLevel: LevelInfo, RuntimeMetricsPeriod: RuntimeMetricsOff})
	benchDiscardBlocks = false
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
		srv.Close()
	})
	b.ReportAllocs()
	b.ResetTimer()
}

func BenchmarkMicromegas(b *testing.B) {
	b.Run("static_log", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchStatic.Log()
			}
		})
	})
	b.Run("formatted_log_int", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				benchFmt.Logf(i)
				i++
			}
		})
	})
	b.Run("formatted_log_int_fmt_fallback", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				benchFmtFmt.Logf(i)
				i++
			}
		})
	})
	b.Run("structured_log_2props", func(b *testing.B) {
		props := NewPropertySet(Property{"user", "ada"}, Property{"region", "eu"})
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchTagged.LogWith(props)
			}
		})
	})
	b.Run("structured_log_2props_interned_per_call", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchTagged.LogWith(NewPropertySet(Property{"user", "ada"}, Property{"region", "eu"}))
			}
		})
	})
	b.Run("disabled_log", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchDisabled.Log()
			}
		})
	})
	b.Run("int_metric", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			var i uint64
			for pb.Next() {
				benchInt.RecordInt(i)
				i++
			}
		})
	})
	b.Run("float_metric", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			f := 0.0
			for pb.Next() {
				benchFloat.RecordFloat(f)
				f += 0.5
			}
		})
	})
	b.Run("thread_span_begin_end", func(b *testing.B) {
		startBench(b)
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			tr := NewTrack("bench-"+strconv.FormatInt(n.Add(1), 10), nil)
			defer tr.Close()
			for pb.Next() {
				tr.Begin(benchSpan)
				tr.End(benchSpan)
			}
		})
	})
	b.Run("async_span_begin_end", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchSpan.BeginAsync(AsyncSpan{}).End()
			}
		})
	})
	b.Run("async_span_traced_begin_end", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchSpan.BeginAsyncTraced(AsyncSpan{}, benchTraceIDs).End()
			}
		})
	})
	b.Run("pending_span_finish", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				BeginPending(AsyncSpan{}).Finish(benchSpan)
			}
		})
	})
	b.Run("pending_span_finish_traced", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				BeginPending(AsyncSpan{}).FinishTraced(benchSpan, benchTraceIDs)
			}
		})
	})
	b.Run("pending_span_finish_status", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				BeginPending(AsyncSpan{}).FinishStatus(benchSpan, benchTraceIDs, SpanStatus{Code: 200, RequestBytes: -1, ResponseBytes: 512})
			}
		})
	})
	b.Run("async_span_traced_end_status", func(b *testing.B) {
		startBench(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchSpan.BeginAsyncTraced(AsyncSpan{}, benchTraceIDs).EndStatus(SpanStatus{Code: 0, RequestBytes: 4, ResponseBytes: 2})
			}
		})
	})
}

func BenchmarkOpenTelemetry(b *testing.B) {
	b.Run("span_start_end", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithBatcher(tracetest.NewNoopExporter()),
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
		)
		defer tp.Shutdown(context.Background())
		tracer := tp.Tracer("bench")
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, span := tracer.Start(ctx, "bench")
				span.End()
			}
		})
	})
}

func BenchmarkSlog(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, c := range []struct {
		name string
		fn   func(i int)
	}{
		{"static_log", func(int) { logger.Info("static message") }},
		{"formatted_log_int", func(i int) { logger.Info(fmt.Sprintf("value=%d", i)) }},
		{"int_attr", func(i int) { logger.Info("value", "value", i) }},
		{"structured_log_2attrs", func(int) { logger.Info("structured message", "user", "ada", "region", "eu") }},
		{"disabled_log", func(int) { logger.Debug("disabled message") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					c.fn(i)
					i++
				}
			})
		})
	}
}

func BenchmarkZerolog(b *testing.B) {
	logger := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	for _, c := range []struct {
		name string
		fn   func(i int)
	}{
		{"static_log", func(int) { logger.Info().Msg("static message") }},
		{"formatted_log_int", func(i int) { logger.Info().Msgf("value=%d", i) }},
		{"int_field", func(i int) { logger.Info().Int("value", i).Msg("value") }},
		{"structured_log_2fields", func(int) { logger.Info().Str("user", "ada").Str("region", "eu").Msg("structured message") }},
		{"disabled_log", func(int) { logger.Debug().Msg("disabled message") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					c.fn(i)
					i++
				}
			})
		})
	}
}

func BenchmarkPrometheus(b *testing.B) {
	b.Run("counter_inc", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "bench_counter"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("histogram_observe", func(b *testing.B) {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bench_histogram", Buckets: prometheus.DefBuckets})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			f := 0.0
			for pb.Next() {
				h.Observe(f)
				f += 0.001
			}
		})
	})
}
