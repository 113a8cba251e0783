package app

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// otlpExports sends one trace, one log record and one gauge of service
// svc through the three OTLP/gRPC services of conn, and returns each
// call's error by signal.
func otlpExports(ctx context.Context, conn *grpc.ClientConn, svc string) map[string]error {
	now := pcommon.NewTimestampFromTime(time.Now())

	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", svc)
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("GET /")
	span.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	span.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	span.SetStartTimestamp(now)
	span.SetEndTimestamp(now + 1000)
	_, terr := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", svc)
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(now)
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.Body().SetStr("refused?")
	_, lerr := plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", svc)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue_depth")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(now)
	dp.SetIntValue(3)
	_, merr := pmetricotlp.NewGRPCClient(conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md))

	return map[string]error{"traces": terr, "logs": lerr, "metrics": merr}
}

// TestOTLPGRPCNeedsCredentials sends OTLP/gRPC exports of traces, logs
// and metrics with no token and with a wrong key: each is refused with
// Unauthenticated and nothing is stored. The same exports with the
// ingest key are accepted and stored, so the check of "nothing stored"
// can fail.
func TestOTLPGRPCNeedsCredentials(t *testing.T) {
	a, _ := startAuthApp(t, AuthConfig{APIKeys: testKeys})
	conn, err := grpc.NewClient(a.OTLPGRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cases := []struct {
		name, token, service string
		code                 codes.Code
	}{
		{"no token", "", "otlp-no-token", codes.Unauthenticated},
		{"wrong key", "wrong-key-0123456789abcdef", "otlp-wrong-key", codes.Unauthenticated},
		{"query key", queryKey, "otlp-query-key", codes.PermissionDenied},
		{"ingest key", ingestKey, "otlp-ingest-key", codes.OK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if c.token != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
			}
			for signal, err := range otlpExports(ctx, conn, c.service) {
				if status.Code(err) != c.code {
					t.Errorf("%s export: %v, want %s", signal, err, c.code)
				}
			}
			procs, err := a.catalog.ListProcesses(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var stored int
			for _, p := range procs {
				if p.Exe == c.service {
					stored++
				}
			}
			switch {
			case c.code == codes.OK && stored == 0:
				t.Errorf("accepted exports stored no process of %s", c.service)
			case c.code != codes.OK && stored != 0:
				t.Errorf("refused exports stored %d process(es) of %s", stored, c.service)
			}
		})
	}
}
