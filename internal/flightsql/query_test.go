package flightsql

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestStatementQueryFlightSQLClient(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	info, schema, recs, err := fetch(context.Background(), t, cl, sqlBasic)
	if err != nil {
		t.Fatal(err)
	}
	// GetFlightInfo carries the real schema, dictionaries decoded.
	infoSchema, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("FlightInfo schema: %v", err)
	}
	want := plainSchema(basicSchema)
	if !infoSchema.Equal(want) {
		t.Errorf("FlightInfo schema = %s, want %s", infoSchema, want)
	}
	if !schema.Equal(want) {
		t.Errorf("DoGet schema = %s, want %s", schema, want)
	}
	if len(recs) != 1 || recs[0].NumRows() != 3 {
		t.Fatalf("got %d batches / %d rows, want 1 / 3", len(recs), totalRows(recs))
	}
	rec := recs[0]
	if got := rec.Column(0).(*array.Int64).Int64Values(); got[0] != 1 || got[2] != 3 {
		t.Errorf("id = %v", got)
	}
	names := rec.Column(1).(*array.String)
	if names.Value(0) != "alpha" || !names.IsNull(1) || names.Value(2) != "gamma" {
		t.Errorf("name column = %v", names)
	}
	if v := rec.Column(2).(*array.Float64).Value(1); v != -2.25 {
		t.Errorf("value[1] = %v, want -2.25", v)
	}
	levels := rec.Column(3).(*array.String)
	if levels.Value(0) != "info" || levels.Value(1) != "warn" {
		t.Errorf("level column = %v, want info, warn, info", levels)
	}
	tsCol := rec.Column(4).(*array.Timestamp)
	if got := tsCol.Value(0).ToTime(arrow.Nanosecond); !got.Equal(basicTime) {
		t.Errorf("time[0] = %v, want %v", got, basicTime)
	}
	if rec.Column(5).(*array.Boolean).Value(1) {
		t.Error("ok[1] = true, want false")
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "level=DEBUG msg=query") || !strings.Contains(logs, `sql="`+sqlBasic+`"`) || !strings.Contains(logs, "rows=3") {
		t.Errorf("query log line (at debug level) missing or incomplete:\n%s", logs)
	}
	waitReleased(t, q)
}

func TestStatementQueryDatabaseSQL(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	db := openDB(t, ts.addr, nil)
	rows, err := db.QueryContext(context.Background(), sqlBasic)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cols, ","); got != "id,name,value,level,time,ok" {
		t.Errorf("columns = %s", got)
	}
	type row struct {
		id    int64
		name  sql.NullString
		value float64
		level string
		ts    time.Time
		ok    bool
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.value, &r.level, &r.ts, &r.ok); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d rows, want 3", len(got))
	}
	if got[0].name.String != "alpha" || got[1].name.Valid || got[1].level != "warn" || got[2].value != 1e9 {
		t.Errorf("rows = %+v", got)
	}
	if !got[1].ts.Equal(basicTime.Add(time.Second)) || !got[0].ok || got[1].ok {
		t.Errorf("rows = %+v", got)
	}
}

func TestHeadersReachQuerier(t *testing.T) {
	begin := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	end := time.Date(2024, 1, 2, 4, 0, 0, 123000000, time.UTC)
	tests := []struct {
		name    string
		headers []string
		want    QueryOptions
	}{
		{"none", nil, QueryOptions{}},
		{"range", []string{HeaderRangeBegin, "2024-01-02T03:04:05Z", HeaderRangeEnd, "2024-01-02T05:00:00.123+01:00"},
			QueryOptions{Begin: begin, End: end}},
		{"limit", []string{HeaderLimit, "2"}, QueryOptions{Limit: 2}},
		{"preserve dictionary", []string{HeaderPreserveDictionary, "true"}, QueryOptions{PreserveDictionary: true}},
		{"all", []string{HeaderRangeBegin, "2024-01-02T03:04:05Z", HeaderRangeEnd, "2024-01-02T04:00:00.123Z",
			HeaderLimit, "1", HeaderPreserveDictionary, "false"}, QueryOptions{Begin: begin, End: end, Limit: 1}},
	}
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	for _, tt := range tests {
		t.Run(tt.name+"/flightsql", func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(context.Background(), tt.headers...)
			info, err := cl.Execute(ctx, sqlBasic)
			if err != nil {
				t.Fatal(err)
			}
			checkOpts(t, q.lastCall().Opts, tt.want)
			// DoGet without headers: the ticket carries the options.
			_, recs, err := readEndpoints(context.Background(), t, cl, info)
			if err != nil {
				t.Fatal(err)
			}
			checkOpts(t, q.lastCall().Opts, tt.want)
			wantRows := int64(3)
			if tt.want.Limit > 0 {
				wantRows = tt.want.Limit
			}
			if totalRows(recs) != wantRows {
				t.Errorf("rows = %d, want %d", totalRows(recs), wantRows)
			}
		})
		t.Run(tt.name+"/database-sql", func(t *testing.T) {
			params := url.Values{}
			for i := 0; i < len(tt.headers); i += 2 {
				params.Set(tt.headers[i], tt.headers[i+1])
			}
			db := openDB(t, ts.addr, params)
			// The driver cannot read dictionary columns: query integers.
			rows, err := db.Query(sqlInts)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			checkOpts(t, q.lastCall().Opts, tt.want)
		})
	}
	waitReleased(t, q)
}

func checkOpts(t *testing.T, got, want QueryOptions) {
	t.Helper()
	if !got.Begin.Equal(want.Begin) || !got.End.Equal(want.End) || got.Limit != want.Limit ||
		got.PreserveDictionary != want.PreserveDictionary {
		t.Errorf("querier options = %+v, want %+v", got, want)
	}
}

func TestBadHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		parts   []string
	}{
		{"begin only", []string{HeaderRangeBegin, "2024-01-02T03:04:05Z"}, []string{HeaderRangeEnd, "missing"}},
		{"end only", []string{HeaderRangeEnd, "2024-01-02T03:04:05Z"}, []string{HeaderRangeBegin, "missing"}},
		{"bad begin", []string{HeaderRangeBegin, "yesterday", HeaderRangeEnd, "2024-01-02T03:04:05Z"},
			[]string{HeaderRangeBegin, "yesterday", "RFC3339"}},
		{"no zone", []string{HeaderRangeBegin, "2024-01-02T03:04:05Z", HeaderRangeEnd, "2024-01-02 03:04:05"},
			[]string{HeaderRangeEnd, "RFC3339"}},
		{"end before begin", []string{HeaderRangeBegin, "2024-01-02T03:04:05Z", HeaderRangeEnd, "2024-01-01T03:04:05Z"},
			[]string{"before"}},
		{"bad limit", []string{HeaderLimit, "ten"}, []string{HeaderLimit, "ten"}},
		{"negative limit", []string{HeaderLimit, "-1"}, []string{HeaderLimit}},
		{"bad dictionary flag", []string{HeaderPreserveDictionary, "maybe"}, []string{HeaderPreserveDictionary}},
	}
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(context.Background(), tt.headers...)
			_, err := cl.Execute(ctx, sqlBasic)
			wantCode(t, err, codes.InvalidArgument, tt.parts...)
			// DoGet with a plain SQL ticket reads the headers too.
			_, err = doGetPlainSQL(ctx, t, cl, sqlBasic)
			wantCode(t, err, codes.InvalidArgument, tt.parts...)
		})
	}
	if n := q.callCount(); n != 0 {
		t.Errorf("querier called %d times despite bad headers", n)
	}
}

// doGetPlainSQL calls DoGet with a ticket whose handle is the SQL text, as
// the Micromegas Python client does, and reads the whole stream.
func doGetPlainSQL(ctx context.Context, t *testing.T, cl *flightsql.Client, query string) (int64, error) {
	t.Helper()
	raw, err := flightsql.CreateStatementQueryTicket([]byte(query))
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, &flight.Ticket{Ticket: raw})
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	return n, rdr.Err()
}

func TestPlainSQLTicket(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		HeaderRangeBegin, "2024-01-01T00:00:00Z", HeaderRangeEnd, "2024-01-02T00:00:00Z", HeaderLimit, "2")
	n, err := doGetPlainSQL(ctx, t, cl, sqlBasic)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("rows = %d, want 2 (limit header)", n)
	}
	checkOpts(t, q.lastCall().Opts, QueryOptions{
		Begin: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		Limit: 2,
	})
	waitReleased(t, q)
}

func TestQueryErrors(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	db := openDB(t, ts.addr, nil)
	ctx := context.Background()
	tests := []struct {
		sql   string
		code  codes.Code
		parts []string
	}{
		{sqlInvalid, codes.InvalidArgument, []string{invalidText}},
		{sqlBroken, codes.Internal, []string{"disk on fire"}},
		{"   ", codes.InvalidArgument, []string{"empty query"}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			_, _, _, err := fetch(ctx, t, cl, tt.sql)
			wantCode(t, err, tt.code, tt.parts...)
			_, err = doGetPlainSQL(ctx, t, cl, tt.sql)
			wantCode(t, err, tt.code, tt.parts...)
			_, err = db.QueryContext(ctx, tt.sql)
			wantCode(t, err, tt.code, tt.parts...)
		})
	}
	if logs := ts.logs.String(); !strings.Contains(logs, invalidText) || !strings.Contains(logs, "level=WARN msg=query") {
		t.Errorf("failed query not logged at warn level with its error:\n%s", logs)
	}
}

func TestCanceledByClient(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := cl.Execute(ctx, sqlBasic)
	if status.Code(err) != codes.Canceled {
		t.Errorf("Execute with a canceled context: got %v, want Canceled", err)
	}
}

func TestPreparedStatement(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	ctx := context.Background()

	t.Run("flightsql", func(t *testing.T) {
		cl := newClient(t, ts.addr)
		stmt, err := cl.Prepare(ctx, sqlBasic)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stmt.DatasetSchema(), plainSchema(basicSchema); got == nil || !got.Equal(want) {
			t.Errorf("dataset schema = %v, want %s", got, want)
		}
		if string(stmt.Handle()) != sqlBasic {
			t.Errorf("handle = %q, want the SQL text", stmt.Handle())
		}
		info, err := stmt.Execute(metadata.AppendToOutgoingContext(ctx, HeaderLimit, "1"))
		if err != nil {
			t.Fatal(err)
		}
		_, recs, err := readEndpoints(ctx, t, cl, info)
		if err != nil {
			t.Fatal(err)
		}
		if totalRows(recs) != 1 {
			t.Errorf("rows = %d, want 1 (limit)", totalRows(recs))
		}
		if err := stmt.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := cl.Prepare(ctx, sqlInvalid); status.Code(err) != codes.InvalidArgument {
			t.Errorf("Prepare invalid SQL: got %v, want InvalidArgument", err)
		}
	})
	t.Run("database-sql", func(t *testing.T) {
		db := openDB(t, ts.addr, nil)
		stmt, err := db.PrepareContext(ctx, sqlBasic)
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		for range 2 {
			rows, err := stmt.QueryContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if n != 3 {
				t.Errorf("rows = %d, want 3", n)
			}
		}
	})
	waitReleased(t, q)
}

// waitReleased waits until every reader the querier opened was released.
func waitReleased(t *testing.T, q *fakeQuerier) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for q.released.Load() != q.opened.Load() || q.mem.CurrentAlloc() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("readers released = %d, opened = %d; bytes still allocated = %d",
				q.released.Load(), q.opened.Load(), q.mem.CurrentAlloc())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEmptyResultSendsNoBatch checks that a query with no rows answers
// its schema alone, as the original server: clients that index the first
// batch (the Grafana plugin) fail on a batch of zero rows.
func TestEmptyResultSendsNoBatch(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	for _, query := range []string{sqlIntsFrom + " 3", sqlIntsFrom + " 1"} {
		_, schema, recs, err := fetch(ctx, t, cl, query)
		if err != nil {
			t.Fatal(err)
		}
		if schema == nil || schema.NumFields() != 1 || schema.Field(0).Name != "n" {
			t.Errorf("%s: schema %v, want the column n", query, schema)
		}
		rows := totalRows(recs)
		if rows == 0 && len(recs) != 0 {
			t.Errorf("%s: %d batches of no rows, want none", query, len(recs))
		}
		if rows != 0 && rows != 2 {
			t.Errorf("%s: %d rows, want 2", query, rows)
		}
	}
	waitReleased(t, q)
}
