package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
)

// post sends a JSON body and returns the status, content type and body.
func post(t *testing.T, url, accept string, body any) (int, string, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), data
}

// TestHTTPQueryAPI queries the real engine over real HTTP.
func TestHTTPQueryAPI(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	base := "http://" + a.WebAddr().String()
	const sql = "SELECT level, target, msg FROM log_entries ORDER BY time"
	rfc := func(tm time.Time) string { return tm.Format(time.RFC3339Nano) }

	t.Run("json rows", func(t *testing.T) {
		status, ctype, body := post(t, base+"/api/query", "", map[string]any{"sql": sql})
		if status != http.StatusOK || ctype != "application/json" {
			t.Fatalf("status %d %s: %s", status, ctype, body)
		}
		var rows []map[string]any
		if err := json.Unmarshal(body, &rows); err != nil {
			t.Fatalf("not JSON rows: %v\n%s", err, body)
		}
		if len(rows) != fixLines || rows[0]["target"] != "fixture/log" || rows[0]["msg"] != "fixture line 0" || rows[0]["level"] != float64(3) {
			t.Errorf("%d rows, first %v", len(rows), rows[0])
		}
	})
	t.Run("arrow stream", func(t *testing.T) {
		status, ctype, body := post(t, base+"/api/query", "application/vnd.apache.arrow.stream", map[string]any{"sql": sql, "limit": 7})
		if status != http.StatusOK || ctype != "application/vnd.apache.arrow.stream" {
			t.Fatalf("status %d %s: %s", status, ctype, body)
		}
		rdr, err := ipc.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("not an Arrow IPC stream: %v", err)
		}
		defer rdr.Release()
		n := int64(0)
		for rdr.Next() {
			n += rdr.RecordBatch().NumRows()
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 7 || rdr.Schema().Field(2).Name != "msg" {
			t.Errorf("%d rows (want the limit, 7), schema %s", n, rdr.Schema())
		}
	})
	t.Run("time range", func(t *testing.T) {
		count := func(body map[string]any) string {
			t.Helper()
			body["sql"] = "SELECT count(*) AS n FROM log_entries"
			status, _, out := post(t, base+"/api/query", "", body)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, out)
			}
			return strings.TrimSpace(string(out))
		}
		if got := count(map[string]any{"begin": rfc(fx.begin), "end": rfc(fx.end)}); !strings.Contains(got, `"n":25`) {
			t.Errorf("count in the emission range = %s, want 25", got)
		}
		if got := count(map[string]any{"begin": "2000-01-01T00:00:00Z", "end": "2000-01-02T00:00:00Z"}); !strings.Contains(got, `"n":0`) {
			t.Errorf("count in 2000 = %s, want 0", got)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			body   any
			status int
			want   string
		}{
			{map[string]any{"sql": "SELECT nope FROM log_entries"}, 400, "nope"},
			{map[string]any{"sql": " "}, 400, `"sql" is required`},
			{map[string]any{"sql": "SELECT 1", "begin": "2024-01-01T00:00:00Z"}, 400, "together"},
			{map[string]any{"sql": "SELECT 1", "begin": "yesterday", "end": "2024-01-01T00:00:00Z"}, 400, "RFC3339"},
			{"not an object", 400, "JSON object"},
		} {
			status, ctype, body := post(t, base+"/api/query", "", c.body)
			var e struct{ Error string }
			if status != c.status || ctype != "application/json" || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, c.want) {
				t.Errorf("%v: %d %s %s; want %d with an error containing %q", c.body, status, ctype, body, c.status, c.want)
			}
		}
	})
	t.Run("gateway", func(t *testing.T) {
		status, _, body := post(t, base+"/gateway/query", "", map[string]any{
			"sql": sql, "time_range_begin": rfc(fx.begin), "time_range_end": rfc(fx.end)})
		var rows []map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &rows) != nil || len(rows) != fixLines {
			t.Fatalf("gateway: %d, %d rows: %.200s", status, len(rows), body)
		}
		status, ctype, body := post(t, base+"/gateway/query", "", map[string]any{"sql": "SELECT 1", "time_range_end": rfc(fx.end)})
		if status != http.StatusBadRequest || !strings.HasPrefix(ctype, "text/plain") || !strings.Contains(string(body), "time_range_begin") {
			t.Errorf("gateway half range: %d %s %s", status, ctype, body)
		}
		resp, err := http.Get(base + "/gateway/health")
		if err != nil {
			t.Fatal(err)
		}
		var h map[string]string
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h["status"] != "healthy" || h["timestamp"] == "" {
			t.Errorf("gateway health = %v", h)
		}
	})
	t.Run("health", func(t *testing.T) {
		resp, err := http.Get(base + "/health")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The node's status (internal/health): the roles it runs.
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"roles":["ingestion","analytics"]`) {
			t.Errorf("health: %d %q", resp.StatusCode, body)
		}
	})
	t.Run("perfetto", func(t *testing.T) {
		resp, err := http.Get(base + "/api/perfetto/" + fx.processID)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("perfetto: %d %s", resp.StatusCode, body)
		}
		tr, err := perfettotest.Decode(body)
		if err != nil {
			t.Fatalf("invalid trace: %v", err)
		}
		slices, err := tr.Slices()
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, s := range slices {
			counts[s.Name+"/"+itoa(s.Depth)]++
		}
		if counts["outer/0"] != fixSpans || counts["inner/1"] != fixSpans || counts["request/0"] != fixAsyncSpans {
			t.Errorf("slices by name/depth = %v; want %d outer/0, %d inner/1, %d request/0", counts, fixSpans, fixSpans, fixAsyncSpans)
		}
		resp, err = http.Get(base + "/api/perfetto/00000000-0000-4000-8000-000000000000")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("trace of an unknown process: %d, want 404", resp.StatusCode)
		}
	})
}
