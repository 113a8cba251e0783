package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/telemetry"
)

// TestEndToEndPostgresS3 is TestEndToEnd on the production stores: a
// PostgreSQL catalog and an S3 object store (SeaweedFS). The partitions the
// analytics writes go to S3 too, and are read back through the local cache.
func TestEndToEndPostgresS3(t *testing.T) {
	cfg := Config{
		DataDir:             t.TempDir(),
		SQLConnectionString: pgtest.NewDatabase(t),
		ObjectStoreURI:      s3test.Start(t),
		IngestionAddr:       "127.0.0.1:0",
		FlightSQLAddr:       "127.0.0.1:0",
		WebAddr:             "127.0.0.1:0",
	}
	a, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server on PostgreSQL and S3: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	checkLogScenario(t, a)
}

// checkLogScenario logs the e2e sites through the telemetry library into
// a, then queries log_entries over FlightSQL and checks every row, as
// TestEndToEnd does.
func checkLogScenario(t *testing.T, a *App) {
	t.Helper()
	guard, err := telemetry.Init(telemetry.Config{
		URL:           "http://" + a.IngestionAddr().String(),
		MaxLevel:      telemetry.LevelDebug,
		LogBufferSize: 4096, // several blocks
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
	_, rows := queryRows(t, addr, "SELECT level, target, msg, process_id, exe FROM log_entries ORDER BY time")
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
	_, rows2 := queryRows(t, addr, "SELECT count(*) FROM log_entries")
	if rows2[0][0] != itoa(len(want)) {
		t.Errorf("count(*) = %s, want %d", rows2[0][0], len(want))
	}
	_, levels := queryRows(t, addr, "SELECT level, count(*) FROM log_entries GROUP BY level ORDER BY level")
	if got := joinRows(levels); got != "2:1 3:40 4:2 5:1" {
		t.Errorf("count by level = %s", got)
	}
}
