// Package blobstoretest is the conformance suite of blobstore.Store, run
// against every kind of store (file, mem, and S3-compatible servers).
package blobstoretest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
)

// Run runs the suite. open must return a store with no objects each time it
// is called (a fresh bucket, folder or prefix-free namespace); Run closes
// the stores it gets.
func Run(t *testing.T, open func(t *testing.T) *blobstore.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s *blobstore.Store)
	}{
		{"PingAndURI", testPingAndURI},
		{"PutGet", testPutGet},
		{"PutIdempotent", testPutIdempotent},
		{"ConcurrentPut", testConcurrentPut},
		{"ConcurrentConflictingPut", testConcurrentConflictingPut},
		{"Missing", testMissing},
		{"List", testList},
		{"Delete", testDelete},
		{"LargeWriter", testLargeWriter},
		{"WriterCancelled", testWriterCancelled},
		{"KeysWithSlashes", testKeysWithSlashes},
		{"LocalPath", testLocalPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustPut(t *testing.T, s *blobstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(ctxFor(t), key, data); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func checkContent(t *testing.T, s *blobstore.Store, key string, want []byte) {
	t.Helper()
	ctx := ctxFor(t)
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%s) = %d bytes, want %d bytes (content differs)", key, len(got), len(want))
	}
	size, err := s.Size(ctx, key)
	if err != nil || size != int64(len(want)) {
		t.Errorf("Size(%s) = %d, %v; want %d", key, size, err, len(want))
	}
	r, err := s.NewReader(ctx, key)
	if err != nil {
		t.Fatalf("NewReader(%s): %v", key, err)
	}
	defer r.Close()
	streamed, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(streamed, want) {
		t.Errorf("NewReader(%s) read %d bytes, %v; want %d bytes", key, len(streamed), err, len(want))
	}
}

type listed struct {
	key  string
	size int64
}

func mustList(t *testing.T, s *blobstore.Store, prefix string) []listed {
	t.Helper()
	var out []listed
	err := s.List(ctxFor(t), prefix, func(key string, size int64) error {
		out = append(out, listed{key, size})
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return out
}

func testPingAndURI(t *testing.T, s *blobstore.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	uri := s.URI()
	if !strings.Contains(uri, "://") {
		t.Errorf("URI() = %q, want a URI", uri)
	}
	if strings.Contains(uri, "@") {
		t.Errorf("URI() = %q holds user information", uri)
	}
}

func testPutGet(t *testing.T, s *blobstore.Store) {
	cases := map[string][]byte{
		"small":   []byte("hello"),
		"empty":   {},
		"binary":  randomBytes(70_000, 1),
		"zeroes":  make([]byte, 1024),
		"newline": []byte("a\nb\r\n"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			key := "objects/" + name
			mustPut(t, s, key, data)
			checkContent(t, s, key, data)
		})
	}
}

func testPutIdempotent(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	key := "blobs/p/s/b"
	first := []byte("first payload")
	mustPut(t, s, key, first)
	mustPut(t, s, key, bytes.Clone(first)) // retry with the same content
	err := s.Put(ctx, key, []byte("other payload"))
	if !errors.Is(err, blobstore.ErrConflict) {
		t.Fatalf("Put(different content) error = %v, want ErrConflict", err)
	}
	checkContent(t, s, key, first)
}

func testConcurrentPut(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	data := randomBytes(10_000, 2)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = s.Put(ctx, "blobs/race", data) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put #%d: %v", i, err)
		}
	}
	checkContent(t, s, "blobs/race", data)
}

// testConcurrentConflictingPut races writers of different contents on one
// key: exactly one wins, the others get ErrConflict, and the object holds
// the winner's content whole.
func testConcurrentConflictingPut(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = s.Put(ctx, "blobs/contested", randomBytes(100_000, uint64(10+i))) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("Put #%d and #%d of different contents both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, blobstore.ErrConflict):
			t.Errorf("losing Put #%d: %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no Put succeeded")
	}
	checkContent(t, s, "blobs/contested", randomBytes(100_000, uint64(10+winner)))
}

func testMissing(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	const key = "blobs/missing"
	if _, err := s.Get(ctx, key); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.NewReader(ctx, key); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("NewReader(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Size(ctx, key); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("Size(missing) error = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	if err := s.Put(ctx, "", []byte("x")); err == nil {
		t.Errorf("Put(empty key) succeeded")
	}
}

func testList(t *testing.T, s *blobstore.Store) {
	keys := []string{"blobs/p1/s1/b1", "blobs/p1/s1/b2", "blobs/p1/s2/b3", "blobs/p2/s3/b4", "views/x.parquet"}
	for i, k := range slices.Backward(keys) {
		mustPut(t, s, k, make([]byte, 10+i))
	}
	want := func(ks ...string) []listed {
		var out []listed
		for _, k := range ks {
			i := slices.Index(keys, k)
			out = append(out, listed{k, int64(10 + i)})
		}
		return out
	}
	cases := []struct {
		prefix string
		want   []listed
	}{
		{"", want(keys...)},
		{"blobs/p1/", want(keys[:3]...)},
		{"blobs/p1/s1/b", want(keys[:2]...)},
		{"blobs/p", want(keys[:4]...)},
		{"views/", want(keys[4])},
		{"nothing/", nil},
	}
	for _, tc := range cases {
		t.Run("prefix="+tc.prefix, func(t *testing.T) {
			if got := mustList(t, s, tc.prefix); !slices.Equal(got, tc.want) {
				t.Errorf("List(%q) = %v, want %v", tc.prefix, got, tc.want)
			}
		})
	}
	t.Run("StopOnError", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.List(ctxFor(t), "", func(string, int64) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("List with failing callback = %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

func testDelete(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	mustPut(t, s, "views/a/1.parquet", []byte("one"))
	mustPut(t, s, "views/a/2.parquet", []byte("two"))
	if err := s.Delete(ctx, "views/a/1.parquet"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "views/a/1.parquet"); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("Get(deleted) error = %v, want ErrNotFound", err)
	}
	if got := mustList(t, s, "views/"); !slices.Equal(got, []listed{{"views/a/2.parquet", 3}}) {
		t.Errorf("List after Delete = %v", got)
	}
	// A deleted key can be created again.
	mustPut(t, s, "views/a/1.parquet", []byte("again"))
	checkContent(t, s, "views/a/1.parquet", []byte("again"))
}

func testLargeWriter(t *testing.T, s *blobstore.Store) {
	ctx := ctxFor(t)
	const key = "views/log_entries/global/2024-01-01/00-00-00_big.parquet"
	data := randomBytes(5<<20, 3)
	w, err := s.NewWriter(ctx, key)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for chunk := range slices.Chunk(data, 64<<10) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if got := mustList(t, s, "views/"); len(got) != 0 {
		t.Errorf("List before Close = %v, want nothing (no partial objects)", got)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkContent(t, s, key, data)
	if got := mustList(t, s, "views/"); !slices.Equal(got, []listed{{key, int64(len(data))}}) {
		t.Errorf("List after Close = %v", got)
	}
	// A writer replaces an existing object.
	w, err = s.NewWriter(ctx, key)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	if _, err := io.WriteString(w, "small"); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkContent(t, s, key, []byte("small"))
}

func testWriterCancelled(t *testing.T, s *blobstore.Store) {
	ctx, cancel := context.WithCancel(ctxFor(t))
	w, err := s.NewWriter(ctx, "views/cancelled.parquet")
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	cancel()
	if err := w.Close(); err == nil {
		t.Errorf("Close after cancel succeeded, want an error")
	}
	if _, err := s.Get(ctxFor(t), "views/cancelled.parquet"); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("Get(cancelled write) error = %v, want ErrNotFound", err)
	}
	if got := mustList(t, s, ""); len(got) != 0 {
		t.Errorf("List after a cancelled write = %v, want nothing", got)
	}
}

func testKeysWithSlashes(t *testing.T, s *blobstore.Store) {
	keys := []string{
		"blobs/0a1b2c3d-0000-4000-8000-000000000001/0a1b2c3d-0000-4000-8000-000000000002/0a1b2c3d-0000-4000-8000-000000000003",
		"views/log entries/été/日本.parquet",
		"a/b/c/d/e/f/g/h",
	}
	for i, k := range keys {
		mustPut(t, s, k, []byte{byte(i)})
	}
	for i, k := range keys {
		checkContent(t, s, k, []byte{byte(i)})
	}
	var got []string
	for _, l := range mustList(t, s, "") {
		got = append(got, l.key)
	}
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
}

func testLocalPath(t *testing.T, s *blobstore.Store) {
	const key = "views/local/file.parquet"
	data := []byte("PAR1...PAR1")
	mustPut(t, s, key, data)
	path, ok := s.LocalPath(key)
	if ok {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("LocalPath(%s) = %s holding %q, %v; want the object's content", key, path, got, err)
		}
	} else if path != "" {
		t.Errorf("LocalPath = %q, false; want an empty path with false", path)
	}
	for _, bad := range []string{"", "../escape", "a/../../b", "a//b", "/abs", "dir/", "ctl\x01"} {
		if p, ok := s.LocalPath(bad); ok {
			t.Errorf("LocalPath(%q) = %q, true; want false", bad, p)
		}
	}
}
