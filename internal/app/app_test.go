package app

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/micromegas-go/micromegas/telemetry"
)

// startApp runs a server on free ports with a temporary data folder.
func startApp(t *testing.T) *App {
	t.Helper()
	ctx := context.Background()
	// The tests' fixtures send this process's telemetry to the server:
	// the server's own request spans would mix with what they count.
	a, err := Start(ctx, Config{DataDir: t.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0",
		OTLPGRPCAddr: "127.0.0.1:0", NoSelfTrace: true})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return a
}

// queryRows runs sql with the arrow-go FlightSQL client and returns the
// rows as strings, one slice per row.
func queryRows(t *testing.T, addr, sql string) (*arrow.Schema, [][]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("flightsql client: %v", err)
	}
	defer cl.Close()
	info, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatalf("execute %q: %v", sql, err)
	}
	var schema *arrow.Schema
	var rows [][]string
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			t.Fatalf("do get: %v", err)
		}
		schema = rdr.Schema()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				row := make([]string, rec.NumCols())
				for j, col := range rec.Columns() {
					row[j] = col.ValueStr(i)
				}
				rows = append(rows, row)
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatalf("read results: %v", err)
		}
		rdr.Release()
	}
	return schema, rows
}

var (
	e2eInfo  = telemetry.NewLogSite(telemetry.LevelInfo, "e2e/main", "first static message")
	e2eWarn  = telemetry.NewLogSite(telemetry.LevelWarn, "e2e/worker", "worker %d saw %s")
	e2eError = telemetry.NewLogSite(telemetry.LevelError, "e2e/worker", "static error")
	e2eDebug = telemetry.NewLogSite(telemetry.LevelDebug, "e2e/main", "debug is recorded at max level debug")
	e2eTrace = telemetry.NewLogSite(telemetry.LevelTrace, "e2e/main", "trace is filtered out")
)

// TestEndToEnd logs from instrumented code into a server and reads the
// lines back over FlightSQL.
func TestEndToEnd(t *testing.T) {
	checkLogScenario(t, startApp(t))
}

// checkLogScenario logs the e2e sites through the telemetry library into
// a, then queries log_entries over FlightSQL and checks every row. Every
// topology (SQLite + folder, PostgreSQL + S3) runs it.
func checkLogScenario(t *testing.T, a *App) {
	t.Helper()
	guard, err := telemetry.Init(telemetry.Config{
		URL:           "http://" + a.IngestionAddr().String(),
		MaxLevel:      telemetry.LevelDebug,
		LogBufferSize: 1024, // several blocks
	})
	if err != nil {
		t.Fatal(err)
	}
	e2eInfo.Log()
	for i := range 40 {
		e2eWarn.Logf(i, "a lot")
	}
	e2eError.Log()
	e2eDebug.Log()
	e2eTrace.Log()
	telemetry.Logf(telemetry.LevelInfo, "e2e/convenience", "formatted %s=%d", "answer", 42)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatalf("telemetry shutdown: %v", err)
	}
	st := guard.Stats()
	if st.Sink.Dropped != 0 || st.Sink.Failed != 0 || st.BlocksLost != 0 || st.EncodeErrors != 0 {
		t.Fatalf("telemetry lost data: %+v", st)
	}
	if st.Sink.Sent < 4 {
		t.Fatalf("want a process, a stream and several blocks sent, got %d messages", st.Sink.Sent)
	}

	addr := a.FlightSQLAddr().String()
	schema, rows := queryRows(t, addr, "SELECT level, target, msg, process_id, exe FROM log_entries ORDER BY time")
	if got := schema.Field(0).Name; got != "level" {
		t.Errorf("first column %q, want level", got)
	}
	want := [][]string{{"4", "e2e/main", "first static message"}}
	for i := range 40 {
		want = append(want, []string{"3", "e2e/worker", "worker " + itoa(i) + " saw a lot"})
	}
	want = append(want,
		[]string{"2", "e2e/worker", "static error"},
		[]string{"5", "e2e/main", "debug is recorded at max level debug"},
		[]string{"4", "e2e/convenience", "formatted answer=42"},
	)
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d:\n%v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if got := rows[i][:3]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d: got %v, want %v", i, got, w)
		}
		if rows[i][3] != guard.ProcessID() {
			t.Errorf("row %d: process_id %q, want %q", i, rows[i][3], guard.ProcessID())
		}
		if rows[i][4] == "" {
			t.Errorf("row %d: empty exe", i)
		}
	}

	// A second query sees the same rows: the JIT does not duplicate.
	_, rows2 := queryRows(t, addr, "SELECT count(*) FROM log_entries")
	if rows2[0][0] != itoa(len(want)) {
		t.Errorf("count(*) = %s, want %d", rows2[0][0], len(want))
	}
	_, levels := queryRows(t, addr, "SELECT level, count(*) FROM log_entries GROUP BY level ORDER BY level")
	if got := joinRows(levels); got != "2:1 3:40 4:2 5:1" {
		t.Errorf("count by level = %s", got)
	}
}

// TestMalformedBlockRejected checks that bad input gets a 400 with a reason
// and that the server keeps serving and keeps its data.
func TestMalformedBlockRejected(t *testing.T) {
	a := startApp(t)
	base := "http://" + a.IngestionAddr().String()
	cases := []struct {
		name, path string
		body       []byte
		wantInMsg  string
	}{
		{"empty body", "/ingestion/insert_block", nil, "empty body"},
		{"not cbor", "/ingestion/insert_block", []byte{0xff, 0x00, 0x13}, "cbor"},
		{"missing ids", "/ingestion/insert_block", []byte{0xa0}, "block_id"},
		{"bad uuid", "/ingestion/insert_process", cborMap("process_id", "not-a-uuid"), "uuid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Post(base+c.path, "application/cbor", bytes.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var msg bytes.Buffer
			msg.ReadFrom(resp.Body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400 (%s)", resp.StatusCode, msg.String())
			}
			if !strings.Contains(strings.ToLower(msg.String()), c.wantInMsg) {
				t.Errorf("message %q does not say %q", msg.String(), c.wantInMsg)
			}
		})
	}
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatalf("server stopped serving after bad input: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ready: %d", resp.StatusCode)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func joinRows(rows [][]string) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, strings.Join(r, ":"))
	}
	return strings.Join(parts, " ")
}
