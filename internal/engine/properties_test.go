package engine

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestPropertiesAndDictionaries(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{
		{process: "p1", time: t0, msg: "a", props: map[string]string{"thread-name": "main", "target": "x"}},
		{process: "p2", time: t0 + 1, msg: "b", props: map[string]string{}},
		{process: "p1", time: t0 + 2, msg: "c", props: map[string]string{"thread-name": "worker"}},
	})
	logs := Table{Name: "log_entries", Files: []string{f}}
	tests := []struct {
		name string
		sql  string
		want [][]any
	}{
		{"property_get", "SELECT msg, property_get(properties, 'thread-name') FROM log_entries ORDER BY time",
			[][]any{{"a", "main"}, {"b", nil}, {"c", "worker"}}},
		{"property_get missing key", "SELECT count(*) FROM log_entries WHERE property_get(properties, 'nope') IS NULL",
			[][]any{{int64(3)}}},
		{"property_get in a filter", "SELECT msg FROM log_entries WHERE property_get(properties, 'target') = 'x'",
			[][]any{{"a"}}},
		{"properties_length", "SELECT properties_length(properties) FROM log_entries ORDER BY time",
			[][]any{{int32(2)}, {int32(0)}, {int32(1)}}},
		{"map subscript", "SELECT properties['thread-name'] FROM log_entries WHERE msg = 'c'",
			[][]any{{"worker"}}},
		{"dictionary column", "SELECT process_id, count(*) FROM log_entries GROUP BY process_id ORDER BY 1",
			[][]any{{"p1", int64(2)}, {"p2", int64(1)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, e, tc.sql, logs)
			if !reflect.DeepEqual(got.rows, tc.want) {
				t.Errorf("got %v, want %v", got.rows, tc.want)
			}
		})
	}
	t.Run("types", func(t *testing.T) {
		got := collect(t, e, "SELECT process_id, properties, property_get(properties, 'k') AS v FROM log_entries", logs)
		want := []arrow.DataType{arrow.BinaryTypes.String, arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String), arrow.BinaryTypes.String}
		for i, w := range want {
			if got := got.schema.Field(i).Type; !arrow.TypeEqual(got, w) {
				t.Errorf("column %d: type %s, want %s", i, got, w)
			}
		}
	})
}

// TestPropertiesAsJSONText checks the property functions on properties
// stored as the text of JSON objects, as the lakehouse views hold them,
// with keys that need quoting in a JSON path.
func TestPropertiesAsJSONText(t *testing.T) {
	e, _ := openEngine(t, Options{})
	props := Table{Name: "props", SQL: `SELECT * FROM (VALUES
		(1, '{"a.\"b":"dotted","target":"x","thread-name":"main"}'),
		(2, '{}'),
		(3, '{"thread-name":"wörker \u0001"}')) v(i, properties)`}
	for _, tc := range []struct {
		name, sql string
		want      [][]any
	}{
		{"property_get", `SELECT i, property_get(properties, 'thread-name') FROM props ORDER BY i`,
			[][]any{{int32(1), "main"}, {int32(2), nil}, {int32(3), "wörker \x01"}}},
		{"quoted key", `SELECT property_get(properties, 'a."b') FROM props WHERE i = 1`, [][]any{{"dotted"}}},
		{"missing key", `SELECT count(*) FROM props WHERE property_get(properties, 'nope') IS NULL`, [][]any{{int64(3)}}},
		{"properties_length", `SELECT properties_length(properties) FROM props ORDER BY i`,
			[][]any{{int32(3)}, {int32(0)}, {int32(1)}}},
		{"properties_to_dict", `SELECT properties_to_dict(properties)['target'] FROM props WHERE i = 1`, [][]any{{"x"}}},
		{"properties_to_jsonb", `SELECT CAST(properties_to_jsonb(properties) AS VARCHAR) FROM props WHERE i = 3`,
			[][]any{{`{"thread-name":"wörker \u0001"}`}}},
		{"arrow operator", `SELECT properties->>'target' FROM props WHERE i = 1`, [][]any{{"x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, e, tc.sql, props)
			if !reflect.DeepEqual(got.rows, tc.want) {
				t.Errorf("got %#v, want %#v", got.rows, tc.want)
			}
		})
	}
}
