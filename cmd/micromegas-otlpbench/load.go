package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/micromegas-go/micromegas/internal/cputime"
)

// batchSize is the SDK's default export batch.
const batchSize = 512

// client is one SDK process: it makes records until stopped, and counts
// those its exporter got acknowledged.
type client struct {
	acked    *atomic.Int64
	failed   *atomic.Int64
	produce  func(ctx context.Context, i int)
	shutdown func(context.Context) error
}

func newClient(ctx context.Context, cfg config, i int, acked, failed *atomic.Int64) (*client, error) {
	res := resource.NewSchemaless(attribute.String("service.name", "otlpbench"),
		attribute.String("service.instance.id", uuid.NewString()), attribute.String("host.name", "bench-host"),
		attribute.Int("process.pid", i))
	c := &client{acked: acked, failed: failed}
	if cfg.signal == "traces" {
		var exp sdktrace.SpanExporter
		var err error
		if cfg.grpc {
			exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(cfg.endpoint), otlptracegrpc.WithInsecure())
		} else {
			exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(cfg.endpoint), otlptracehttp.WithInsecure())
		}
		if err != nil {
			return nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(&countingSpans{exp, acked, failed},
			sdktrace.WithMaxExportBatchSize(batchSize), sdktrace.WithMaxQueueSize(8*batchSize), sdktrace.WithBlocking()))
		tracer := tp.Tracer("otlpbench")
		c.produce, c.shutdown = func(ctx context.Context, n int) { makeTrace(ctx, tracer, n) }, tp.Shutdown
		return c, nil
	}
	var exp sdklog.Exporter
	var err error
	if cfg.grpc {
		exp, err = otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(cfg.endpoint), otlploggrpc.WithInsecure())
	} else {
		exp, err = otlploghttp.New(ctx, otlploghttp.WithEndpoint(cfg.endpoint), otlploghttp.WithInsecure())
	}
	if err != nil {
		return nil, err
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(&countingLogs{exp, acked, failed},
		sdklog.WithExportMaxBatchSize(batchSize), sdklog.WithMaxQueueSize(8*batchSize))))
	logger := lp.Logger("otlpbench")
	c.produce, c.shutdown = func(ctx context.Context, n int) { makeLogs(ctx, logger, n) }, lp.Shutdown
	return c, nil
}

var routes = []string{"/orders", "/orders/{id}", "/users/{id}", "/cart", "/checkout"}

// makeTrace makes a trace of a server span and 7 client spans with the
// attributes of HTTP instrumentation.
func makeTrace(ctx context.Context, tracer trace.Tracer, n int) {
	rctx, root := tracer.Start(ctx, "GET /orders", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		attribute.String("http.request.method", "GET"), attribute.String("http.route", routes[n%len(routes)]),
		attribute.Int("http.response.status_code", 200), attribute.String("user.id", "u-"+strconv.Itoa(n%10_000))))
	for j := range 7 {
		_, sp := tracer.Start(rctx, "db.query", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("db.system", "postgresql"), attribute.Int("db.row", j)))
		sp.End()
	}
	root.End()
}

// makeLogs emits 8 log records with two attributes.
func makeLogs(ctx context.Context, logger otellog.Logger, n int) {
	for j := range 8 {
		var r otellog.Record
		now := time.Now()
		r.SetTimestamp(now)
		r.SetObservedTimestamp(now)
		r.SetSeverity(otellog.SeverityInfo)
		r.SetBody(attribute.StringValue("request " + strconv.Itoa(n) + " served in " + strconv.Itoa(j) + " ms"))
		r.AddAttributes(attribute.String("http.route", routes[n%len(routes)]), attribute.Int("http.response.status_code", 200))
		logger.Emit(ctx, r)
	}
}

type countingSpans struct {
	sdktrace.SpanExporter
	acked, failed *atomic.Int64
}

func (c *countingSpans) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.SpanExporter.ExportSpans(ctx, spans)
	count(err, len(spans), c.acked, c.failed)
	return err
}

type countingLogs struct {
	sdklog.Exporter
	acked, failed *atomic.Int64
}

func (c *countingLogs) Export(ctx context.Context, records []sdklog.Record) error {
	err := c.Exporter.Export(ctx, records)
	count(err, len(records), c.acked, c.failed)
	return err
}

func count(err error, n int, acked, failed *atomic.Int64) {
	if err != nil {
		failed.Add(int64(n))
	} else {
		acked.Add(int64(n))
	}
}

// bench runs the clients for warmup + duration and reports.
func bench(ctx context.Context, cfg config, out io.Writer) error {
	var acked, failed atomic.Int64
	clients := make([]*client, cfg.clients)
	for i := range clients {
		c, err := newClient(ctx, cfg, i, &acked, &failed)
		if err != nil {
			return err
		}
		clients[i] = c
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for n := 0; runCtx.Err() == nil; n++ {
				c.produce(context.Background(), n)
			}
		})
	}
	select {
	case <-time.After(cfg.warmup):
	case <-ctx.Done():
	}
	a0, f0, cpu0, self0 := acked.Load(), failed.Load(), serverCPU(cfg.serverPID), cputime.Process()
	start := time.Now()
	select {
	case <-time.After(cfg.duration):
	case <-ctx.Done():
	}
	a1, f1, cpu1, self1 := acked.Load(), failed.Load(), serverCPU(cfg.serverPID), cputime.Process()
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var shutdownErr error
	for _, c := range clients {
		if err := c.shutdown(sctx); err != nil && shutdownErr == nil {
			shutdownErr = err
		}
	}
	n := a1 - a0
	transport := "http"
	if cfg.grpc {
		transport = "grpc"
	}
	fmt.Fprintf(out, "signal=%s transport=%s clients=%d endpoint=%s\n", cfg.signal, transport, cfg.clients, cfg.endpoint)
	fmt.Fprintf(out, "records: %d acknowledged in %.1f s (%d failed): %.0f records/s\n", n, elapsed.Seconds(), f1-f0, float64(n)/elapsed.Seconds())
	fmt.Fprintf(out, "client CPU: %.1f s\n", (self1 - self0).Seconds())
	if cfg.serverPID != 0 && cpu1 > cpu0 {
		fmt.Fprintf(out, "server CPU: %.2f s: %.0f records per server core-second\n", (cpu1 - cpu0).Seconds(), float64(n)/(cpu1-cpu0).Seconds())
	}
	fmt.Fprintf(out, "whole run, with the final flush: %d records acknowledged (%d failed)\n", acked.Load(), failed.Load())
	if shutdownErr != nil {
		return fmt.Errorf("flush at shutdown: %w", shutdownErr)
	}
	return nil
}

// serverCPU reads the server's CPU time (0 without a pid or on error).
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	t, err := cputime.OfProcess(pid)
	if err != nil {
		return 0
	}
	return t
}
