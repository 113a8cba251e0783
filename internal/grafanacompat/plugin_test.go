package grafanacompat

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v12/arrow"
	"github.com/apache/arrow/go/v12/arrow/array"
	"github.com/apache/arrow/go/v12/arrow/flight"
	"github.com/apache/arrow/go/v12/arrow/flight/flightsql"
	"github.com/apache/arrow/go/v12/arrow/memory"
	"github.com/micromegas-go/micromegas/telemetry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// globalViews are the tables GetTables lists (this test cannot import
// the lakehouse's list: arrow-go v18's Flight protocol, which it links,
// and v12's register the same protobuf file).
var globalViews = []string{"blocks", "log_entries", "log_stats", "measure_stats", "measures", "otel_spans", "processes", "streams"}

var (
	pluginLog    = telemetry.NewLogSite(telemetry.LevelWarn, "grafana/test", "line %d")
	pluginMetric = telemetry.NewMetricTarget("grafana/test", "depth", "items", "plugin_test.go", 1)
)

const lines = 20

// TestGrafanaPluginClient makes the calls of the original's Grafana
// plugin, with the arrow/go/v12 FlightSQL client it pins, against a
// `micromegas serve` process holding some telemetry.
func TestGrafanaPluginClient(t *testing.T) {
	flightAddr, ingestURL := serve(t)
	begin := time.Now().UTC()
	emit(t, ingestURL)
	end := time.Now().UTC()
	cl, err := flightsql.NewClient(flightAddr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rangeHeaders := metadata.Pairs("query_range_begin", begin.Format(time.RFC3339Nano), "query_range_end", end.Format(time.RFC3339Nano))

	t.Run("queries", func(t *testing.T) {
		tests := []struct {
			name    string
			md      metadata.MD
			sql     string
			rows    int64
			columns string // name:type:nullable, comma-separated
		}{
			{"health", nil, "select 1", 1, "1:int32:nullable"},
			{"table with range and limit", metadata.Join(rangeHeaders, metadata.Pairs("limit", "5")),
				"SELECT time, level, target, msg FROM log_entries ORDER BY time", 5,
				"time:timestamp[ns, tz=+00:00]:,level:int32:,target:utf8:,msg:utf8:"},
			{"time series", rangeHeaders,
				"SELECT date_bin(interval '1 second', time, timestamp '1970-01-01T00:00:00Z') AS time, avg(value) AS depth " +
					"FROM measures WHERE name = 'depth' GROUP BY 1 ORDER BY 1", -1,
				"time:timestamp[ns, tz=+00:00]:nullable,depth:float64:nullable"},
			{"logs", rangeHeaders, "SELECT time, level, msg FROM log_entries WHERE level <= 3 ORDER BY time DESC", lines,
				"time:timestamp[ns, tz=+00:00]:,level:int32:,msg:utf8:"},
			{"empty result", nil, "SELECT time, msg FROM log_entries WHERE false", 0,
				"time:timestamp[ns, tz=+00:00]:,msg:utf8:"},
			{"range in the past", metadata.Pairs("query_range_begin", "2000-01-01T00:00:00Z", "query_range_end", "2000-01-02T00:00:00Z"),
				"SELECT count(*) AS n FROM log_entries", 1, "n:int64:nullable"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				qctx := metadata.NewOutgoingContext(ctx, tc.md)
				info, err := cl.Execute(qctx, tc.sql)
				if err != nil {
					t.Fatal(err)
				}
				rdr, err := cl.DoGet(qctx, info.Endpoint[0].Ticket)
				if err != nil {
					t.Fatal(err)
				}
				defer rdr.Release()
				var rows, batches int64
				for rdr.Next() {
					batches++
					rows += rdr.Record().NumRows()
				}
				if err := rdr.Err(); err != nil {
					t.Fatal(err)
				}
				if got := columns(rdr.Schema()); got != tc.columns {
					t.Errorf("columns %s, want %s", got, tc.columns)
				}
				if (tc.rows >= 0 && rows != tc.rows) || (tc.rows < 0 && rows == 0) {
					t.Errorf("%d rows, want %d", rows, tc.rows)
				}
				if rows == 0 && batches != 0 {
					t.Errorf("%d batches of no rows: the plugin indexes the first batch", batches)
				}
			})
		}
	})

	t.Run("sql info for completion", func(t *testing.T) {
		info, err := cl.GetSqlInfo(ctx, []flightsql.SqlInfo{})
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		lists := map[flightsql.SqlInfo][]string{}
		strs := map[flightsql.SqlInfo]string{}
		for rdr.Next() {
			rec := rdr.Record()
			ids := rec.Column(0).(*array.Uint32)
			vals := rec.Column(1).(*array.DenseUnion)
			for i := range int(rec.NumRows()) {
				off := int(vals.ValueOffset(i))
				switch c := vals.Field(vals.ChildID(i)).(type) {
				case *array.String:
					strs[flightsql.SqlInfo(ids.Value(i))] = c.Value(off)
				case *array.List:
					start, end := c.ValueOffsets(off)
					for j := start; j < end; j++ {
						id := flightsql.SqlInfo(ids.Value(i))
						lists[id] = append(lists[id], c.ListValues().(*array.String).Value(int(j)))
					}
				}
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if strs[flightsql.SqlInfoFlightSqlServerName] != "Micromegas Flight SQL Server" {
			t.Errorf("server name %q", strs[flightsql.SqlInfoFlightSqlServerName])
		}
		for id, want := range map[flightsql.SqlInfo]string{
			flightsql.SqlInfoKeywords:          "SELECT",
			flightsql.SqlInfoNumericFunctions:  "abs",
			flightsql.SqlInfoStringFunctions:   "lower",
			flightsql.SqlInfoSystemFunctions:   "level_name",
			flightsql.SqlInfoDateTimeFunctions: "date_trunc",
		} {
			if !slices.Contains(lists[id], want) {
				t.Errorf("sql info %d: %d entries without %q", id, len(lists[id]), want)
			}
		}
	})

	t.Run("tables", func(t *testing.T) {
		info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{TableTypes: []string{"BASE TABLE"}})
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		var names []string
		for rdr.Next() {
			col := rdr.Record().Column(2).(*array.String)
			for i := range col.Len() {
				names = append(names, col.Value(i))
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, globalViews) {
			t.Errorf("tables %v, want %v", names, globalViews)
		}
	})

	t.Run("columns are the query's", func(t *testing.T) {
		for _, table := range globalViews {
			declared, found := tableSchema(ctx, t, cl, table)
			if !found {
				t.Errorf("%s: not found", table)
				continue
			}
			info, err := cl.Execute(ctx, "SELECT * FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			described, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
			if err != nil {
				t.Fatal(err)
			}
			for rdr.Next() {
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			if !declared.Equal(rdr.Schema()) || !described.Equal(rdr.Schema()) {
				t.Errorf("%s: GetTables\n%s\nGetFlightInfo\n%s\nDoGet\n%s", table, declared, described, rdr.Schema())
			}
			rdr.Release()
		}
	})

	t.Run("columns of a missing table", func(t *testing.T) {
		if _, found := tableSchema(ctx, t, cl, "log_entriez"); found {
			t.Error("found a table named log_entriez")
		}
	})
}

// tableSchema reads the schema of table as the plugin's column list
// does: the table_schema cell of the first row of the first batch.
func tableSchema(ctx context.Context, t *testing.T, cl *flightsql.Client, table string) (*arrow.Schema, bool) {
	t.Helper()
	info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{TableNameFilterPattern: &table, IncludeSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		return nil, false
	}
	rec := rdr.Record()
	idx := rec.Schema().FieldIndices("table_schema")
	if len(idx) == 0 {
		t.Fatal("no table_schema column")
	}
	raw := array.NewStringData(rec.Column(idx[0]).Data()).Value(0)
	s, err := flight.DeserializeSchema([]byte(raw), memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	return s, true
}

// columns describes a schema as name:type:nullable, comma-separated.
func columns(s *arrow.Schema) string {
	var out []string
	for _, f := range s.Fields() {
		n := ""
		if f.Nullable {
			n = "nullable"
		}
		out = append(out, f.Name+":"+f.Type.String()+":"+n)
	}
	return strings.Join(out, ",")
}

// emit sends log lines and measures to the ingestion service and waits
// until they are stored.
func emit(t *testing.T, url string) {
	t.Helper()
	guard, err := telemetry.Init(telemetry.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		pluginLog.Logf(i)
		pluginMetric.RecordInt(uint64(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := guard.Stats(); st.Sink.Dropped != 0 || st.Sink.Failed != 0 {
		t.Fatalf("telemetry lost data: %+v", st)
	}
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildOut  []byte
)

// serve builds micromegas and runs `micromegas serve` on free ports until
// the test ends; it returns the FlightSQL address (host:port) and the
// ingestion URL.
func serve(t *testing.T) (flightAddr, ingestURL string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "grafanacompat")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "micromegas")
		args := append([]string{"build", "-tags", "duckdb_arrow", "-o", binary}, raceFlags...)
		cmd := exec.Command("go", append(args, "github.com/micromegas-go/micromegas/cmd/micromegas")...)
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build micromegas: %v\n%s", buildErr, buildOut)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(binary)) })
	var stderr bytes.Buffer
	cmd := exec.Command(binary, "serve", "--data-dir", t.TempDir(), "--ingestion-addr", "127.0.0.1:0",
		"--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("serve did not stop\n%s", stderr.String())
		}
	})
	sc := bufio.NewScanner(out)
	for (flightAddr == "" || ingestURL == "") && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "flightsql":
			flightAddr = strings.TrimPrefix(v, "grpc://")
		case "ingestion":
			ingestURL = v
		}
	}
	if flightAddr == "" || ingestURL == "" {
		t.Fatalf("serve printed no addresses\n%s", stderr.String())
	}
	return flightAddr, ingestURL
}
