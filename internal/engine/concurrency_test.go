package engine

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentQueries(t *testing.T) {
	e, dir := openEngine(t, Options{})
	var files []string
	for k := range 4 {
		rows := make([]logRow, 5000)
		for i := range rows {
			rows[i] = logRow{process: fmt.Sprint("p", i%7), time: t0 + int64(i), level: int32(i % 5), msg: "m"}
		}
		files = append(files, writeLogFile(t, dir, fmt.Sprintf("f%d.parquet", k), rows))
	}
	logs := Table{Name: "log_entries", Files: files}
	want := collect(t, e, "SELECT process_id, level, count(*) FROM log_entries GROUP BY ALL ORDER BY ALL", logs).rows
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for range 10 {
				got, err := tryCollect(e, "SELECT process_id, level, count(*) FROM log_entries GROUP BY ALL ORDER BY ALL", logs)
				if err != nil {
					errs <- fmt.Errorf("goroutine %d: %w", g, err)
					return
				}
				if fmt.Sprint(got.rows) != fmt.Sprint(want) {
					errs <- fmt.Errorf("goroutine %d: got %v, want %v", g, got.rows, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitIdle(t, e)
}
