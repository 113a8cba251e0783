package grpctrace

import (
	"context"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/micromegas-go/micromegas/internal/telemetrytest"
	"github.com/micromegas-go/micromegas/telemetry"
)

// BenchmarkUnary measures a unary call over loopback TCP with both sides
// instrumented (the cost of the call itself is impl=none).
func BenchmarkUnary(b *testing.B) {
	for _, impl := range []string{"none", "micromegas", "otelgrpc"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var sopts []grpc.ServerOption
			var dopts []grpc.DialOption
			switch impl {
			case "micromegas":
				g, err := telemetry.Init(telemetry.Config{URL: telemetrytest.DiscardServer(b), EnableCPUTracing: true, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { g.Shutdown(context.Background()) })
				sopts = []grpc.ServerOption{grpc.ChainUnaryInterceptor(UnaryServerInterceptor())}
				dopts = []grpc.DialOption{grpc.WithChainUnaryInterceptor(UnaryClientInterceptor())}
			case "otelgrpc":
				sdk := telemetrytest.NewOpenTelemetrySDK(b)
				opts := []otelgrpc.Option{otelgrpc.WithTracerProvider(sdk.Tracer), otelgrpc.WithMeterProvider(sdk.Meter), otelgrpc.WithPropagators(sdk.Propagator)}
				sopts = []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(opts...))}
				dopts = []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(opts...))}
			}
			_, conn := serve(b, sopts, dopts)
			client := healthpb.NewHealthClient(conn)
			req := &healthpb.HealthCheckRequest{Service: "db"}
			ctx := context.Background()
			if _, err := client.Check(ctx, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := client.Check(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
