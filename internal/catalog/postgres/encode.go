package postgres

import (
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// encodeTime truncates t to the microsecond (the precision of TIMESTAMPTZ)
// and maps the zero time to NULL.
func encodeTime(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.Truncate(time.Microsecond), Valid: true}
}

// decodeTime maps NULL to the zero time and anything else to UTC.
func decodeTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// splitProperties returns the keys (sorted) and values of m as two
// parallel arrays, which SQL zips into micromegas_property[].
func splitProperties(m map[string]string) (keys, values []string) {
	keys = slices.Sorted(maps.Keys(m))
	values = make([]string, len(keys))
	for i, k := range keys {
		values[i] = m[k]
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, values
}

// joinProperties is the inverse of splitProperties.
func joinProperties(keys, values []string) map[string]string {
	m := make(map[string]string, len(keys))
	for i, k := range keys {
		if i < len(values) {
			m[k] = values[i]
		}
	}
	return m
}

// propertiesSQL builds micromegas_property[] from two text[] parameters.
func propertiesSQL(keysParam, valuesParam string) string {
	return `(SELECT COALESCE(array_agg(ROW(k, v)::micromegas_property ORDER BY n), '{}')
		FROM unnest(` + keysParam + `::text[], ` + valuesParam + `::text[]) WITH ORDINALITY AS t(k, v, n))`
}

// propertyKeysSQL and propertyValuesSQL read a micromegas_property[]
// column back as two parallel text[].
func propertyKeysSQL(column string) string {
	return `ARRAY(SELECT p.key FROM unnest(` + column + `) WITH ORDINALITY AS p(key, value, n) ORDER BY p.n)`
}

func propertyValuesSQL(column string) string {
	return `ARRAY(SELECT p.value FROM unnest(` + column + `) WITH ORDINALITY AS p(key, value, n) ORDER BY p.n)`
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nullString maps "" to NULL.
func nullString(s string) pgtype.Text {
	return pgtype.Text{String: s, Valid: s != ""}
}
