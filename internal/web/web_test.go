package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/micromegas-go/micromegas/internal/flightsql"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var intSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

func ints(from, to int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, intSchema)
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
	}
	return b.NewRecordBatch()
}

// failingReader serves one batch, then fails.
type failingReader struct {
	array.RecordReader
	served bool
}

func (f *failingReader) Next() bool {
	if f.served {
		return false
	}
	f.served = true
	return f.RecordReader.Next()
}

func (f *failingReader) Err() error {
	if f.served {
		return errors.New("disk on fire")
	}
	return nil
}

// fakeQuerier answers a few fixed queries.
type fakeQuerier struct{ last flightsql.QueryOptions }

func (f *fakeQuerier) Query(_ context.Context, sql string, opts flightsql.QueryOptions) (array.RecordReader, error) {
	f.last = opts
	switch sql {
	case "SELECT ints":
		a, b := ints(0, 3), ints(3, 6)
		defer a.Release()
		defer b.Release()
		return array.NewRecordReader(intSchema, []arrow.RecordBatch{a, b})
	case "SELECT bad":
		return nil, &flightsql.InvalidQueryError{Err: errors.New("Binder Error: no column bad")}
	case "SELECT broken":
		return nil, errors.New("catalog unreachable")
	case "SELECT halfway":
		a := ints(0, 100)
		defer a.Release()
		rdr, _ := array.NewRecordReader(intSchema, []arrow.RecordBatch{a})
		return &failingReader{RecordReader: rdr}, nil
	}
	return nil, &flightsql.InvalidQueryError{Err: errors.New("unknown query")}
}

func newTestServer(t *testing.T, opts Options) (*httptest.Server, *fakeQuerier) {
	t.Helper()
	q := &fakeQuerier{}
	opts.Querier = q
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, q
}

func do(t *testing.T, ts *httptest.Server, path, body string) (int, string, error) {
	t.Helper()
	resp, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestQueryStatusAndBody(t *testing.T) {
	ts, q := newTestServer(t, Options{MaxBodyBytes: 200})
	tests := []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"rows", "/api/query", `{"sql": "SELECT ints"}`, 200, `[` + "\n" + `{"n":0},` + "\n" + `{"n":1}`},
		{"limit cuts a batch", "/api/query", `{"sql": "SELECT ints", "limit": 4}`, 200, `{"n":3}` + "\n]"},
		{"invalid query", "/api/query", `{"sql": "SELECT bad"}`, 400, `"error":"invalid query: Binder Error: no column bad"`},
		{"server error", "/api/query", `{"sql": "SELECT broken"}`, 500, "catalog unreachable"},
		{"gateway error is text", "/gateway/query", `{"sql": "SELECT bad"}`, 400, "invalid query: Binder Error"},
		{"too large", "/api/query", `{"sql": "SELECT ` + strings.Repeat("x", 300) + `"}`, 413, "larger than 200 bytes"},
		{"unknown field ignored", "/gateway/query", `{"sql": "SELECT ints", "other": 1}`, 200, `{"n":5}`},
		{"negative limit", "/api/query", `{"sql": "SELECT ints", "limit": -1}`, 400, "limit"},
		{"end before begin", "/api/query", `{"sql": "SELECT ints", "begin": "2024-01-02T00:00:00Z", "end": "2024-01-01T00:00:00Z"}`, 400, "before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := do(t, ts, tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %q, want %d containing %q", status, body, tt.status, tt.want)
			}
		})
	}
	if _, _, err := do(t, ts, "/api/query", `{"sql": "SELECT ints", "begin": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00+01:00"}`); err != nil {
		t.Fatal(err)
	}
	if got := q.last.End.Format("2006-01-02T15"); got != "2024-01-01T23" || q.last.Begin.IsZero() {
		t.Errorf("range reaching the querier: %v .. %v", q.last.Begin, q.last.End)
	}
}

// A failure after the first rows aborts the response: the client must not
// take a short result for a complete one.
func TestFailureMidStreamAborts(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	for _, accept := range []string{"", ArrowStreamType} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/query", strings.NewReader(`{"sql": "SELECT halfway"}`))
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // aborted before the headers: fine too
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("accept %q: the body read completely despite the failure", accept)
		}
	}
}

func TestMiddlewareSparesHealth(t *testing.T) {
	deny := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Invalid token", http.StatusUnauthorized)
		})
	}
	ts, _ := newTestServer(t, Options{Middleware: deny})
	if status, body, _ := do(t, ts, "/api/query", `{"sql": "SELECT ints"}`); status != 401 || !strings.Contains(body, "Invalid token") {
		t.Errorf("/api/query behind the middleware: %d %q", status, body)
	}
	if status, _, _ := do(t, ts, "/gateway/query", `{"sql": "SELECT ints"}`); status != 401 {
		t.Errorf("/gateway/query behind the middleware: %d", status)
	}
	resp, err := http.Get(ts.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health: %d, want 200 without credentials", resp.StatusCode)
	}
}

func TestServerLifecycle(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a Querier should fail")
	}
	s, err := New(Options{Addr: "127.0.0.1:0", Querier: &fakeQuerier{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr().String() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}
