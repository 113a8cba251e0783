package sqltext

import (
	"sort"
	"strings"
	"testing"
)

// testSchema mirrors a part of the lakehouse's views: log_entries (msg
// carries needles), measures, log_stats, blocks (read by the derived view
// processes), otel_spans (trace_id) and the spans of view_instance.
var testSchema = &Schema{
	Tables: map[string]Table{
		"log_entries": {Time: map[string]TimeColumn{"time": {Lower: true, Upper: true}}, Text: map[string]bool{"msg": true}},
		"measures":    {Time: map[string]TimeColumn{"time": {Lower: true, Upper: true}}},
		"log_stats":   {Time: map[string]TimeColumn{"time_bin": {Lower: true, Upper: true}}},
		"blocks": {Time: map[string]TimeColumn{"end_time": {Lower: true}, "insert_time": {Lower: true}, "begin_time": {Upper: true}},
			ReadBy: []string{"processes"}},
		"otel_spans": {Time: map[string]TimeColumn{"end": {Lower: true}, "begin": {Upper: true}}, IDs: map[string]bool{"trace_id": true}},
	},
	Instances: map[string]Table{
		"log_entries":  {Time: map[string]TimeColumn{"time": {Lower: true, Upper: true}}, Text: map[string]bool{"msg": true}},
		"thread_spans": {Time: map[string]TimeColumn{"end": {Lower: true}, "begin": {Upper: true}}},
	},
}

// TestFindBounds checks each kind of result FindBounds gives against
// testSchema (the lakehouse tests the full set of cases on its own views).
func TestFindBounds(t *testing.T) {
	const a, b = `'2026-01-01'`, `'2026-01-02'`
	for _, c := range []struct {
		name, sql string
		want      string // key: >lower <upper ~needle #id ..., keys sorted
	}{
		{"range", `SELECT * FROM log_entries WHERE time >= ` + a + ` AND time < ` + b, `log_entries: >` + a + ` <` + b},
		{"upper only of begin", `SELECT * FROM view_instance('thread_spans', 's') WHERE "begin" <= ` + b + ` AND "end" >= ` + a,
			`view_instance@14: >` + a + ` <` + b},
		{"needles", `SELECT * FROM log_entries WHERE msg LIKE '%abc%def%' AND contains(msg, 'ghij')`, `log_entries: ~abc ~def ~ghij`},
		{"ids", `SELECT * FROM otel_spans WHERE trace_id IN ('t1', 't2') AND 't3' = trace_id`, `otel_spans: #t1 #t2 #t3`},
		{"markers", `SELECT * FROM log_entries WHERE time > ? AND time < $2::TIMESTAMP`, `log_entries: >? <$2::TIMESTAMP`},
		{"named marker", `SELECT * FROM log_entries WHERE time > $t`, ``},
		{"escape string", `SELECT * FROM log_entries WHERE time > E'2026' AND msg LIKE E'%abc%'`, ``},
		{"read by a derived view", `SELECT * FROM blocks, processes WHERE blocks.insert_time > ` + a, ``},
		{"not in the schema", `SELECT * FROM other WHERE time > ` + a, ``},
		{"instance not in the schema", `SELECT * FROM view_instance('measures', 'p') WHERE time > ` + a, ``},
		{"dollar-quoted mention", `SELECT * FROM log_entries WHERE time > ` + a + ` AND msg = $$log_entries$$`, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			toks, err := Scan(c.sql)
			if err != nil {
				t.Fatal(err)
			}
			calls, err := FindCalls(toks, tableFunctions)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for key, b := range FindBounds(c.sql, toks, calls, testSchema) {
				s := key + ":"
				for _, e := range b.Lower {
					s += " >" + e.Text
				}
				for _, e := range b.Upper {
					s += " <" + e.Text
				}
				for _, n := range b.Needles {
					s += " ~" + n
				}
				for _, id := range b.IDs {
					s += " #" + id
				}
				got = append(got, s)
			}
			sort.Strings(got)
			if g := strings.Join(got, "; "); g != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.sql, g, c.want)
			}
		})
	}
}

// FuzzFindBounds checks that no SQL text makes the detector panic.
func FuzzFindBounds(f *testing.F) {
	for _, s := range []string{
		`SELECT * FROM log_entries WHERE time >= '2026-01-01' AND time < '2026-01-02'`,
		`SELECT * FROM view_instance('thread_spans', 's') t WHERE t."begin" <= now() - INTERVAL 1 HOUR`,
		`FROM blocks b JOIN x ON (b.a = x.a) WHERE b.insert_time BETWEEN 'a' AND`,
		`SELECT ((( FROM log_entries WHERE time > now() - INTERVAL`,
		`SELECT * FROM log_entries AS WHERE time = CAST('x' AS`,
		`SELECT * FROM log_stats WHERE time_bin BETWEEN $1 AND CAST(? AS TIMESTAMP) AND time_bin > $`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		toks, err := Scan(sql)
		if err != nil {
			return
		}
		calls, _ := FindCalls(toks, tableFunctions)
		FindBounds(sql, toks, calls, testSchema)
	})
}

// TestFindBoundsMangled runs the detector on every prefix of some
// queries and on each with one token removed: malformed SQL must give no
// panic (the engine reports its errors).
func TestFindBoundsMangled(t *testing.T) {
	for _, sql := range []string{
		`SELECT * FROM log_entries AS l JOIN measures m ON (l.process_id = m.process_id) WHERE l.time BETWEEN '2026-01-01' AND now() - INTERVAL 1 HOUR AND (m.time >= CAST('a' AS TIMESTAMP) AND m.time < '2026-01-01'::TIMESTAMP) GROUP BY 1`,
		`SELECT * FROM view_instance('thread_spans', 's') t WHERE t."begin" <= now() - INTERVAL '1' HOUR AND "end" = TIMESTAMP 'x' LIMIT 3`,
		`SELECT * FROM log_stats WHERE time_bin >= $1::TIMESTAMP AND time_bin <= CAST($2 AS TIMESTAMP_NS) AND ? < time_bin`,
	} {
		toks, err := Scan(sql)
		if err != nil {
			t.Fatal(err)
		}
		var variants []string
		for i := range len(sql) {
			variants = append(variants, sql[:i])
		}
		for _, tk := range toks {
			variants = append(variants, sql[:tk.Start]+sql[tk.End:])
		}
		for _, v := range variants {
			vt, err := Scan(v)
			if err != nil {
				continue
			}
			calls, _ := FindCalls(vt, tableFunctions)
			FindBounds(v, vt, calls, testSchema)
		}
	}
}
