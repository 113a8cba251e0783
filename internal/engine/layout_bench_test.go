package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/micromegas-go/micromegas/internal/cputime"
)

// Benchmark of the storage layouts behind the substring search figures
// of docs/benchmarks.md ("Queries"):
//
//	MICROMEGAS_BENCH_EVENTS=20000000 go test -run '^$' -bench TextLayouts -benchtime 3x ./internal/engine/
//
// MICROMEGAS_BENCH_EVENTS is the number of messages (default 2,000,000).

// BenchmarkTextLayouts searches a substring in log messages stored in
// several Parquet layouts of the msg column: WriteParquet's (TextColumns),
// the one before it (a dictionary that overflows into PLAIN), and other
// codecs, encodings and page sizes. The messages are the lakehouse
// benchmark's ("request <i> done in <i mod 997> ms", unique), in files of
// an hourly partition of 100 M entries a day; only msg is stored, the only
// column the query reads. Reports the CPU seconds per query and the
// stored bytes per message.
func BenchmarkTextLayouts(b *testing.B) {
	n := 2_000_000
	if v, err := strconv.Atoi(os.Getenv("MICROMEGAS_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	e, dir := openEngine(b, Options{Threads: 2})
	base := func(codec compress.Compression, extra ...parquet.WriterProperty) []parquet.WriterProperty {
		return append([]parquet.WriterProperty{parquet.WithCompression(codec), parquet.WithVersion(parquet.V2_LATEST),
			parquet.WithMaxRowGroupLength(RowGroupRows), parquet.WithStats(true)}, extra...)
	}
	noDict := parquet.WithDictionaryDefault(false)
	dlba := parquet.WithEncoding(parquet.Encodings.DeltaLengthByteArray)
	layouts := []struct {
		name  string
		props []parquet.WriterProperty // nil: WriteParquet
	}{
		{"WriteParquet", nil},
		{"dict_fallback_plain_lz4", base(compress.Codecs.Lz4Raw)},
		{"plain_lz4", base(compress.Codecs.Lz4Raw, noDict)},
		{"plain_none", base(compress.Codecs.Uncompressed, noDict)},
		{"dlba_none", base(compress.Codecs.Uncompressed, noDict, dlba)},
		{"dlba_snappy", base(compress.Codecs.Snappy, noDict, dlba)},
		{"dlba_zstd", base(compress.Codecs.Zstd, noDict, dlba)},
		{"dlba_lz4_page64k", base(compress.Codecs.Lz4Raw, noDict, dlba, parquet.WithDataPageSize(64<<10))},
		{"dlba_lz4_page4m", base(compress.Codecs.Lz4Raw, noDict, dlba, parquet.WithDataPageSize(4<<20))},
		{"delta_byte_array_lz4", base(compress.Codecs.Lz4Raw, noDict, parquet.WithEncoding(parquet.Encodings.DeltaByteArray))},
	}
	for _, l := range layouts {
		files, size := writeMessages(b, filepath.Join(dir, l.name), n, l.props)
		b.Run(l.name, func(b *testing.B) {
			table := []Table{{Name: "log_entries", Files: files}}
			cpu0 := cputime.Process()
			for b.Loop() {
				r, err := e.Query(context.Background(), `SELECT count(*) FROM log_entries WHERE msg LIKE '%in 42 ms%'`, table)
				if err != nil {
					b.Fatal(err)
				}
				drain(b, r.Next, r.Err)
				r.Release()
			}
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(size)/float64(n), "B/msg")
		})
	}
}

// writeMessages writes n benchmark messages in dir as files of 100 M / 24
// rows, with WriteParquet (props nil) or a pqarrow writer with props, and
// returns the files and their total size.
func writeMessages(b *testing.B, dir string, n int, props []parquet.WriterProperty) ([]string, int64) {
	const perFile = 100_000_000 / 24
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "msg", Type: arrow.BinaryTypes.String}}, nil)
	var files []string
	var size int64
	var msg []byte
	for first := 0; first < n; first += perFile {
		var recs []arrow.RecordBatch
		for lo := first; lo < min(n, first+perFile); lo += 65536 {
			bld := array.NewStringBuilder(memory.DefaultAllocator)
			for i := lo; i < min(n, first+perFile, lo+65536); i++ {
				msg = append(append(msg[:0], "request "...), strconv.Itoa(i)...)
				msg = strconv.AppendInt(append(msg, " done in "...), int64(i%997), 10)
				bld.BinaryBuilder.Append(append(msg, " ms"...))
			}
			arr := bld.NewArray()
			recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len())))
			arr.Release()
			bld.Release()
		}
		path := filepath.Join(dir, fmt.Sprintf("%03d.parquet", len(files)))
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if props == nil {
			err = WriteParquet(f, schema, recs)
		} else {
			var fw *pqarrow.FileWriter
			fw, err = pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
			for _, rec := range recs {
				if err == nil {
					err = fw.WriteBuffered(rec)
				}
			}
			if fw != nil {
				if cerr := fw.Close(); err == nil {
					err = cerr
				}
			}
		}
		for _, rec := range recs {
			rec.Release()
		}
		if err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size += st.Size()
		files = append(files, path)
	}
	return files, size
}
