package ingest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

var testStart = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// TestProtocol runs the protocol cases over real HTTP against the embedded
// stores (SQLite + folder) and the production ones (PostgreSQL + SeaweedFS).
func TestProtocol(t *testing.T) {
	srv := s3test.StartServer(t)
	for _, b := range []backend{sqliteFile(), postgresS3(srv)} {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, base string, c catalog.Store, s *blobstore.Store)
			}{
				{"StoresProcessStreamBlock", testStores},
				{"IdempotentRetries", testIdempotentRetries},
				{"BlockBeforeStreamAndProcess", testBlockFirst},
				{"ConflictingPayload", testConflictingPayload},
				{"BlockIDOfAnotherStream", testBlockIDOfAnotherStream},
				{"IntegerArrayPayload", testIntegerArrayPayload},
				{"Ready", testReady},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c, s := b.open(t)
					base := startServer(t, Options{Catalog: c, Blobs: s})
					tc.fn(t, base, c, s)
				})
			}
		})
	}
}

// testStores posts a process, its streams and a block of each kind, then
// reads them back from the catalog and the object store.
func testStores(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(1, testStart)
	mustPost(t, base, "/ingestion/insert_process", must(t)(p.ProcessBody()))
	for _, st := range p.Streams {
		mustPost(t, base, "/ingestion/insert_stream", must(t)(st.Body()))
		b, err := p.NextBlock(st, 500)
		if err != nil {
			t.Fatal(err)
		}
		mustPost(t, base, "/ingestion/insert_block", must(t)(transit.Encode(b)))

		rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID))
		if len(rows) != 1 {
			t.Fatalf("%s block: %d rows, want 1", st.Kind, len(rows))
		}
		row := rows[0]
		want, _ := transit.EncodePayload(b.Payload)
		got, err := s.Get(t.Context(), blobstore.BlockKey(row.ProcessID, row.StreamID, row.BlockID))
		if err != nil {
			t.Fatalf("%s block object: %v", st.Kind, err)
		}
		if !bytes.Equal(got, want) || row.PayloadSize != int64(len(got)) {
			t.Errorf("%s block: object of %d bytes (payload_size %d), want the %d bytes of the payload", st.Kind, len(got), row.PayloadSize, len(want))
		}
		if row.NbObjects != 500 || row.StreamID != string(st.Info.StreamID) || !row.BeginTime.Equal(b.BeginTime.Time) ||
			!row.EndTime.Equal(b.EndTime.Time) || row.EndTicks != b.EndTicks || row.ObjectOffset != 0 {
			t.Errorf("%s block row %+v does not match the block sent", st.Kind, row)
		}
		stored, err := c.GetStream(t.Context(), string(st.Info.StreamID))
		if err != nil {
			t.Fatal(err)
		}
		udts, err := transit.DecodeUDTs(stored.ObjectsMetadata)
		if err != nil || len(udts) != len(st.Info.ObjectsMetadata) || udts[0].Name != st.Info.ObjectsMetadata[0].Name {
			t.Errorf("%s stream metadata: %v, %v", st.Kind, udts, err)
		}
		if len(stored.Tags) != 1 || stored.Tags[0] != st.Kind.String() {
			t.Errorf("%s stream tags %v", st.Kind, stored.Tags)
		}
	}
	got, err := c.GetProcess(t.Context(), string(p.Info.ProcessID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Exe != p.Info.Exe || !got.StartTime.Equal(p.Info.StartTime.Time) || got.Properties["generator"] != "workload" {
		t.Errorf("process row %+v does not match", got)
	}
}

// testIdempotentRetries sends every message twice, as a client retrying
// after a lost response does: one row and one object each.
func testIdempotentRetries(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(2, testStart)
	st := p.Streams[workload.Spans]
	b, err := p.NextBlock(st, 100)
	if err != nil {
		t.Fatal(err)
	}
	blockBody := must(t)(transit.Encode(b))
	for range 2 {
		mustPost(t, base, "/ingestion/insert_process", must(t)(p.ProcessBody()))
		mustPost(t, base, "/ingestion/insert_stream", must(t)(st.Body()))
		mustPost(t, base, "/ingestion/insert_block", blockBody)
	}
	if rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID)); len(rows) != 1 {
		t.Errorf("block sent twice: %d rows, want 1", len(rows))
	}
	if keys := objectKeys(t, s, "blobs/"+string(p.Info.ProcessID)+"/"); len(keys) != 1 {
		t.Errorf("block sent twice: objects %v, want 1", keys)
	}
	procs, err := c.ListProcesses(t.Context())
	if err != nil || len(procs) != 1 {
		t.Errorf("process sent twice: %d rows (%v), want 1", len(procs), err)
	}
	streams, err := c.ListStreams(t.Context(), string(p.Info.ProcessID))
	if err != nil || len(streams) != 1 {
		t.Errorf("stream sent twice: %d rows (%v), want 1", len(streams), err)
	}
}

// testBlockFirst sends a block before its stream and process, as a client
// whose first requests failed does.
func testBlockFirst(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(3, testStart)
	st := p.Streams[workload.Logs]
	b, err := p.NextBlock(st, 10)
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, base, "/ingestion/insert_block", must(t)(transit.Encode(b)))
	mustPost(t, base, "/ingestion/insert_stream", must(t)(st.Body()))
	mustPost(t, base, "/ingestion/insert_process", must(t)(p.ProcessBody()))
	if rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID)); len(rows) != 1 {
		t.Errorf("block before its stream: %d rows, want 1", len(rows))
	}
	blocks, err := c.ListBlocks(t.Context(), catalog.BlockFilter{StreamID: string(st.Info.StreamID), Tag: "log"})
	if err != nil || len(blocks) != 1 {
		t.Errorf("block joined with its late stream: %d rows (%v), want 1", len(blocks), err)
	}
}

// testConflictingPayload reuses a block id with another payload: 409, and
// the first payload stays.
func testConflictingPayload(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(4, testStart)
	st := p.Streams[workload.Metrics]
	first, err := p.NextBlock(st, 10)
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.NextBlock(st, 20)
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, base, "/ingestion/insert_block", must(t)(transit.Encode(first)))
	code, msg := post(t, base, "/ingestion/insert_block", must(t)(workload.WithID(second, string(first.BlockID))))
	if code != http.StatusConflict || !strings.Contains(msg, "different content") {
		t.Fatalf("same block id, other payload: %d %q, want 409 saying 'different content'", code, msg)
	}
	rows := blockRows(t, c, string(p.Info.ProcessID), string(first.BlockID))
	if len(rows) != 1 || rows[0].NbObjects != 10 {
		t.Fatalf("rows after a conflict: %+v, want the first block's only", rows)
	}
	want, _ := transit.EncodePayload(first.Payload)
	got, err := s.Get(t.Context(), blobstore.BlockKey(rows[0].ProcessID, rows[0].StreamID, rows[0].BlockID))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("object after a conflict: %d bytes, %v; want the first payload", len(got), err)
	}
}

// testBlockIDOfAnotherStream reuses a block id in another stream (its
// object key differs, so the object store cannot see the conflict): 409,
// and the catalog row still describes the first block.
func testBlockIDOfAnotherStream(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(13, testStart)
	first, err := p.NextBlock(p.Streams[workload.Logs], 10)
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, base, "/ingestion/insert_block", must(t)(transit.Encode(first)))
	moved := first
	moved.StreamID = p.Streams[workload.Spans].Info.StreamID
	code, msg := post(t, base, "/ingestion/insert_block", must(t)(transit.Encode(moved)))
	if code != http.StatusConflict || !strings.Contains(msg, "other identifiers") {
		t.Fatalf("same block id in another stream: %d %q, want 409", code, msg)
	}
	rows := blockRows(t, c, string(p.Info.ProcessID), string(first.BlockID))
	if len(rows) != 1 || rows[0].StreamID != string(first.StreamID) {
		t.Fatalf("rows after the conflict: %+v, want the first block's only", rows)
	}
}

// testIntegerArrayPayload sends a block as v0.15 Rust clients do, each
// payload byte an integer of a CBOR array; it is stored as byte strings.
func testIntegerArrayPayload(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	p := workload.NewProcess(5, testStart)
	b, err := p.NextBlock(p.Streams[workload.Logs], 50)
	if err != nil {
		t.Fatal(err)
	}
	ints := func(x []byte) []uint64 {
		out := make([]uint64, len(x))
		for i, v := range x {
			out[i] = uint64(v)
		}
		return out
	}
	body, err := cbor.Marshal(map[string]any{
		"block_id": b.BlockID, "stream_id": b.StreamID, "process_id": b.ProcessID,
		"begin_time": b.BeginTime.Format(time.RFC3339Nano), "end_time": b.EndTime.Format(time.RFC3339Nano),
		"begin_ticks": b.BeginTicks, "end_ticks": b.EndTicks,
		"payload":       map[string]any{"dependencies": ints(b.Payload.Dependencies), "objects": ints(b.Payload.Objects)},
		"object_offset": b.ObjectOffset, "nb_objects": b.NbObjects,
	})
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, base, "/ingestion/insert_block", body)
	want, _ := transit.EncodePayload(b.Payload)
	got, err := s.Get(t.Context(), blobstore.BlockKey(string(b.ProcessID), string(b.StreamID), string(b.BlockID)))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("object of an integer-array block: %d bytes, %v; want the %d bytes of the byte-string form", len(got), err, len(want))
	}
}

func testReady(t *testing.T, base string, c catalog.Store, s *blobstore.Store) {
	if code, msg := get(t, base+"/ready"); code != http.StatusOK {
		t.Errorf("ready: %d %s", code, msg)
	}
	if code, _ := get(t, base+"/health"); code != http.StatusOK {
		t.Errorf("health: %d", code)
	}
}
