package lakehouse

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

func TestSQLFunctions(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(time.Hour+time.Minute))
	admin := QueryOptions{Admin: true}

	// materialize_partitions and list_partitions.
	got := tl.rows(t, `SELECT msg FROM materialize_partitions('log_entries', TIMESTAMP '2026-03-01 10:00:00', TIMESTAMP '2026-03-01 12:00:00', 3600)`, admin)
	wantRows(t, got, "materialized log_entries in [2026-03-01T10:00:00Z, 2026-03-01T12:00:00Z) in slices of 3600 s: 2 partitions written")
	got = tl.rows(t, `SELECT view_set_name, view_instance_id, begin_insert_time, num_rows, file_path IS NOT NULL
		FROM list_partitions() WHERE view_set_name = 'log_entries' ORDER BY begin_insert_time`, QueryOptions{})
	wantRows(t, got, "log_entries | global | 2026-03-01T10:00:00Z | 2 | true", "log_entries | global | 2026-03-01T11:00:00Z | 2 | true")

	// Mutating functions are refused without Admin.
	for _, sql := range []string{
		`SELECT * FROM retire_partitions('log_entries', 'global', now() - INTERVAL 1000 DAY, now())`,
		`SELECT retire_partition_by_file(file_path) FROM list_partitions()`,
		`SELECT * FROM materialize_partitions('log_entries', now(), now(), 1)`,
	} {
		if _, err := tl.tryRows(sql, QueryOptions{}); !errors.Is(err, ErrAdminOnly) {
			t.Errorf("%s without Admin: %v, want ErrAdminOnly", sql, err)
		}
	}

	// retire_partition_by_file on the first hour.
	got = tl.rows(t, `SELECT retire_partition_by_file(file_path) FROM list_partitions()
		WHERE view_set_name = 'log_entries' AND begin_insert_time = TIMESTAMP '2026-03-01 10:00:00'`, admin)
	if len(got) != 1 || !strings.HasPrefix(got[0], "SUCCESS: Retired partition views/log_entries/global/2026-03-01/10-00-00_") {
		t.Fatalf("retire_partition_by_file: %v", got)
	}
	wantRows(t, tl.rows(t, `SELECT retire_partition_by_file('nope')`, admin), "ERROR: Partition not found: nope")
	// retire_partitions with SQL time expressions.
	got = tl.rows(t, `SELECT msg FROM retire_partitions('log_entries', 'global', TIMESTAMP '2026-03-01 11:00:00', TIMESTAMP '2026-03-01 11:00:00' + INTERVAL 1 HOUR)`, admin)
	wantRows(t, got, "retired 1 partitions of log_entries/global in [2026-03-01T11:00:00Z, 2026-03-01T12:00:00Z]")
	wantRows(t, tl.rows(t, `SELECT count(*) FROM list_partitions() WHERE num_rows > 0`, QueryOptions{}), "0")

	// list_view_sets.
	got = tl.rows(t, `SELECT view_set_name, has_view_maker, global_instance_available FROM list_view_sets() ORDER BY 1`, QueryOptions{})
	wantRows(t, got, "async_events | true | false", "blocks | false | true", "goroutine_states | true | false", "log_entries | true | true", "log_stats | false | true",
		"measure_stats | false | true",
		"measures | true | true", "otel_spans | true | true", "processes | false | true", "streams | false | true", "thread_spans | true | false")

	// get_payload returns the stored block.
	got = tl.rows(t, `SELECT octet_length(get_payload(process_id, stream_id, block_id)) = payload_size FROM blocks LIMIT 1`, QueryOptions{})
	wantRows(t, got, "true")

	// Errors name the view set and the instance.
	_, err := tl.tryRows(`SELECT * FROM view_instance('log_entries', 'not-a-process')`, QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), "view_instance('log_entries', 'not-a-process')") {
		t.Fatalf("unknown instance: %v", err)
	}
	_, err = tl.tryRows(`SELECT * FROM view_instance('nope', 'x')`, QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), `unknown view set "nope"`) {
		t.Fatalf("unknown view: %v", err)
	}
}

func TestDerivedViews(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, map[string]string{"k": "v"}))
	writeLogBlocks(t, tl, p, 3, h.Add(time.Minute), h.Add(2*time.Minute))
	got := tl.rows(t, `SELECT process_id = '`+p.ProcessID+`', exe, property_get(properties, 'k'), last_update_time FROM processes`, QueryOptions{})
	wantRows(t, got, "true | app.exe | v | 2026-03-01T10:02:00Z")
	got = tl.rows(t, `SELECT process_id = '`+p.ProcessID+`', tags, array_has(tags, 'log') FROM streams`, QueryOptions{})
	wantRows(t, got, `true | ["log"] | true`)
	got = tl.rows(t, `SELECT nb_objects, object_offset, "streams.tags", "processes.exe" FROM blocks ORDER BY insert_time`, QueryOptions{})
	wantRows(t, got, `3 | 0 | ["log"] | app.exe`, `3 | 3 | ["log"] | app.exe`)
	got = tl.rows(t, `SELECT time_bin, level, target, count FROM log_stats ORDER BY time_bin`, QueryOptions{})
	wantRows(t, got, "2026-03-01T10:01:00Z | 3 | app::net | 3", "2026-03-01T10:02:00Z | 3 | app::net | 3")
}
