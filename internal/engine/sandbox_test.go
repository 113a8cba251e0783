package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSandbox(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{{process: "p", time: t0, msg: "m"}})
	logs := Table{Name: "log_entries", Files: []string{f}}
	outside := t.TempDir() // a directory the engine was not given
	secret := writeLogFile(t, outside, "secret.parquet", []logRow{{process: "p", time: t0, msg: "secret"}})
	sibling := dir + "x" // shares the allowed directory's prefix
	if err := os.Mkdir(sibling, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sibling) })
	siblingFile := writeLogFile(t, sibling, "s.parquet", []logRow{{process: "p", time: t0, msg: "secret"}})
	written := filepath.Join(dir, "written.csv")
	tests := []struct {
		name string
		sql  string
		msg  string // part of the expected error message
	}{
		{"read_csv", "SELECT * FROM read_csv('/etc/passwd')", "Permission Error"},
		{"read_text", "SELECT * FROM read_text('/etc/passwd')", "Permission Error"},
		{"read_blob", "SELECT * FROM read_blob('/etc/passwd')", "Permission Error"},
		{"read_json", "SELECT * FROM read_json('/etc/passwd')", "Permission Error"},
		{"path traversal", "SELECT * FROM read_text(" + quoteString(dir+"/../../etc/passwd") + ")", "Permission Error"},
		{"glob", "SELECT * FROM glob('/etc/*')", "Permission Error"},
		{"read_parquet outside", "SELECT * FROM read_parquet(" + quoteString(secret) + ")", "Permission Error"},
		{"read_parquet in a sibling", "SELECT * FROM read_parquet(" + quoteString(siblingFile) + ")", "Permission Error"},
		{"network", "SELECT * FROM read_parquet('http://127.0.0.1:1/x.parquet')", "Permission Error"},
		{"COPY outside", "COPY (SELECT 1) TO '/tmp/micromegas-engine-x.csv'", "Permission Error"},
		{"COPY inside the cache", "COPY (SELECT 1) TO " + quoteString(written), "only SELECT"},
		{"EXPLAIN ANALYZE COPY", "EXPLAIN ANALYZE COPY (SELECT 1) TO " + quoteString(written), "only SELECT"},
		{"ATTACH file", "ATTACH '/tmp/micromegas-engine-x.db'", "only SELECT"},
		{"ATTACH memory", "ATTACH ':memory:' AS m", "only SELECT"},
		{"INSTALL", "INSTALL httpfs", "only SELECT"},
		{"LOAD", "LOAD httpfs", "only SELECT"},
		{"SET", "SET enable_external_access = true", "only SELECT"},
		{"RESET", "RESET lock_configuration", "only SELECT"},
		{"PRAGMA", "PRAGMA enable_profiling", "only SELECT"},
		{"CALL", "CALL enable_profiling()", "only SELECT"},
		{"CREATE TABLE", "CREATE TABLE t AS SELECT 1", "only SELECT"},
		{"replace a function", "CREATE OR REPLACE MACRO property_get(a, b) AS 'x'", "only SELECT"},
		{"DROP", "DROP MACRO property_get", "only SELECT"},
		{"smuggled statement", "SELECT 1; COPY (SELECT 1) TO " + quoteString(written), "exactly one SELECT"},
		{"query()", "SELECT * FROM query('COPY (SELECT 1) TO " + strings.ReplaceAll(quoteString(written), "'", "''") + "')", "SELECT"},
		{"extensions", "SELECT * FROM duckdb_extensions()", "Permission Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryCollect(e, tc.sql, logs)
			if err == nil {
				t.Fatalf("%s succeeded", tc.sql)
			}
			if !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want an invalid query error containing %q", err, tc.msg)
			}
		})
	}
	for _, p := range []string{written, "/tmp/micromegas-engine-x.csv", "/tmp/micromegas-engine-x.db"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	t.Run("registered tables still work", func(t *testing.T) {
		got := collect(t, e, "SELECT msg FROM log_entries", logs)
		if len(got.rows) != 1 || got.rows[0][0] != "m" {
			t.Errorf("got %v", got.rows)
		}
		got = collect(t, e, "SELECT property_get(MAP {'k': 'v'}, 'k')")
		if got.rows[0][0] != "v" {
			t.Errorf("property_get was tampered with: %v", got.rows)
		}
	})
	t.Run("read_parquet inside the allowed directory", func(t *testing.T) {
		got := collect(t, e, "SELECT msg FROM read_parquet("+quoteString(f)+")")
		if len(got.rows) != 1 {
			t.Errorf("got %v", got.rows)
		}
	})
	t.Run("table files outside the allowed directories", func(t *testing.T) {
		_, err := e.Query(context.Background(), "SELECT 1", []Table{{Name: "x", Files: []string{secret}}})
		if err == nil || errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), "outside") {
			t.Errorf("err = %v, want a server configuration error", err)
		}
	})
	t.Run("configuration is locked", func(t *testing.T) {
		// Even past the SELECT-only check, DuckDB refuses to reopen the sandbox.
		for _, s := range []string{"SET enable_external_access = true", "SET lock_configuration = false",
			"SET allowed_directories = ['/']", "SET GLOBAL memory_limit = '100GB'"} {
			if _, err := e.db.ExecContext(context.Background(), s); err == nil || !strings.Contains(err.Error(), "locked") {
				t.Errorf("%s: err = %v, want a locked configuration error", s, err)
			}
		}
	})
}

func TestOpenValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"relative allowed directory", Options{AllowedDirectories: []string{"data"}}},
		{"root directory", Options{AllowedDirectories: []string{"/"}}},
		{"relative temp dir", Options{TempDir: "tmp"}},
		{"negative threads", Options{Threads: -1}},
		{"bad memory limit", Options{MemoryLimit: "lots"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Open(context.Background(), tc.opts)
			if err == nil {
				e.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestDefaultMemoryLimit(t *testing.T) {
	tests := []struct{ in, want string }{
		{"18.8 GiB", "12032MiB"},
		{"800.0 MiB", "500MiB"},
		{"1.6 GB", "953MiB"},
	}
	for _, tc := range tests {
		got, err := halfOfDefaultLimit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("halfOfDefaultLimit(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := halfOfDefaultLimit("unlimited"); err == nil {
		t.Error("accepted an unparsable limit")
	}
	e, err := Open(context.Background(), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var limit string
	if err := e.db.QueryRowContext(context.Background(), "SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit == "" {
		t.Error("no memory limit set")
	}
}
