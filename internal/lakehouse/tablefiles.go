package lakehouse

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// tableFileBytes is the size of the batches after which a table function's
// file is finished and the next one started: a Parquet writer keeps its
// row group in memory until the file is closed, so this bounds the memory
// a large result (a long Perfetto trace) takes while it is written.
const tableFileBytes = 64 << 20

// tableFiles writes the batches of a table function to per-query Parquet
// files, in order, starting a new file every maxBytes; the engine reads
// them back in the same order.
type tableFiles struct {
	dir      string
	maxBytes int64

	schema *arrow.Schema // of the first batch
	paths  []string      // finished files
	path   string        // the file being written
	f      *os.File
	w      *engine.ParquetWriter
	bytes  int64 // of the batches in the current file
}

// write appends rec; every batch must have the schema of the first.
func (t *tableFiles) write(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if t.schema == nil {
		t.schema = rec.Schema()
	} else if !rec.Schema().Equal(t.schema) {
		return fmt.Errorf("batch of schema %s after batches of schema %s", rec.Schema(), t.schema)
	}
	if t.w == nil {
		if err := t.open(); err != nil {
			return err
		}
	}
	if err := t.w.Write(rec); err != nil {
		return err
	}
	t.bytes += recordBytes(rec)
	if t.bytes >= t.maxBytes {
		return t.finish()
	}
	return nil
}

func (t *tableFiles) open() error {
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return fmt.Errorf("per-query files: %w", err)
	}
	t.path = filepath.Join(t.dir, uuid.NewString()+".parquet")
	f, err := os.Create(t.path)
	if err != nil {
		return fmt.Errorf("per-query files: %w", err)
	}
	t.f, t.bytes = f, 0
	if t.w, err = engine.NewParquetWriter(f, t.schema); err != nil {
		f.Close()
		os.Remove(t.path)
		t.f = nil
		return err
	}
	return nil
}

// finish closes the current file.
func (t *tableFiles) finish() error {
	err := t.w.Close()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.f, t.w = nil, nil
	if err != nil {
		os.Remove(t.path)
		return fmt.Errorf("per-query files: %w", err)
	}
	t.paths = append(t.paths, t.path)
	return nil
}

// close finishes the files and hands them to the caller, who deletes them;
// schema, when not nil, must be the schema of the batches.
func (t *tableFiles) close(schema *arrow.Schema) ([]string, error) {
	if t.w != nil {
		if err := t.finish(); err != nil {
			return nil, err
		}
	}
	if schema != nil && t.schema != nil && !schema.Equal(t.schema) {
		return nil, fmt.Errorf("rows of schema %s, but the function returned schema %s", t.schema, schema)
	}
	paths := t.paths
	t.paths = nil
	return paths, nil
}

// abort deletes the files close did not hand over.
func (t *tableFiles) abort() {
	if t.f != nil {
		t.f.Close()
		os.Remove(t.path)
		t.f, t.w = nil, nil
	}
	for _, p := range t.paths {
		os.Remove(p)
	}
	t.paths = nil
}

// recordBytes is the size of the buffers of rec.
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		for _, b := range c.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
}
