package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// slowRows is the size of the "slow" query of the drain tests: its
// result (8 bytes a row) is far larger than the socket and flow-control
// buffers, so the server is still sending when the client pauses.
const slowRows = 3_000_000

// slowSQL returns 0..slowRows-1; the sum checks that every row arrived.
const slowSQL = "SELECT range AS i FROM range(3000000)"

// wantSum is the sum of 0..slowRows-1.
const wantSum = int64(slowRows) * (slowRows - 1) / 2

// startAnalytics starts an analytics node (FlightSQL and the HTTP API)
// that the test shuts down itself.
func startAnalytics(t *testing.T) *App {
	t.Helper()
	a, err := Start(context.Background(), Config{DataDir: t.TempDir(), Roles: Analytics, FlightSQLAddr: "127.0.0.1:0",
		WebAddr: "127.0.0.1:0", NoSelfTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// shutdownInBackground starts a graceful Shutdown of a and returns its
// result channel, once addr refuses new connections (the shutdown has
// begun) and Shutdown is still waiting for the request in flight.
func shutdownInBackground(t *testing.T, a *App, addr string) <-chan error {
	t.Helper()
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		stopped <- a.Shutdown(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the stopping node still accepts connections on %s after 10 s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) with a query in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	return stopped
}

// TestShutdownDrainsFlightSQLQuery starts a large FlightSQL query, reads
// its first batch, then shuts the node down: the listener closes, the
// query goes on to its last row, and only then does Shutdown return.
func TestShutdownDrainsFlightSQLQuery(t *testing.T) {
	a := startAnalytics(t)
	addr := a.FlightSQLAddr().String()
	cl := newFlightClient(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	info, err := cl.Execute(ctx, slowSQL)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	rows, sum := addInts(rdr.RecordBatch().Column(0))

	stopped := shutdownInBackground(t, a, addr)
	for rdr.Next() {
		r, s := addInts(rdr.RecordBatch().Column(0))
		rows, sum = rows+r, sum+s
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("the query in flight failed during shutdown after %d rows: %v", rows, err)
	}
	if rows != slowRows || sum != wantSum {
		t.Fatalf("the query in flight returned %d rows (sum %d), want %d (sum %d)", rows, sum, slowRows, wantSum)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// TestShutdownDrainsHTTPQuery does the same with POST /api/query (Arrow
// IPC): the response in flight is complete and valid.
func TestShutdownDrainsHTTPQuery(t *testing.T) {
	a := startAnalytics(t)
	addr := a.WebAddr().String()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/query", bytes.NewReader([]byte(`{"sql": "`+slowSQL+`"}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.apache.arrow.stream")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/api/query: %s %s", resp.Status, b)
	}
	rdr, err := ipc.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	rows, sum := addInts(rdr.RecordBatch().Column(0))

	stopped := shutdownInBackground(t, a, addr)
	for rdr.Next() {
		r, s := addInts(rdr.RecordBatch().Column(0))
		rows, sum = rows+r, sum+s
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("the response in flight broke during shutdown after %d rows: %v", rows, err)
	}
	if rows != slowRows || sum != wantSum {
		t.Fatalf("the response in flight had %d rows (sum %d), want %d (sum %d)", rows, sum, slowRows, wantSum)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// addInts returns the length and the sum of an int64 column.
func addInts(col interface{ Len() int }) (rows, sum int64) {
	ints := col.(*array.Int64)
	for _, v := range ints.Int64Values() {
		sum += v
	}
	return int64(ints.Len()), sum
}
