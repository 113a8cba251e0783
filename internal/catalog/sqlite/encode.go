package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Representable range of int64 nanoseconds since the epoch, with a margin.
var (
	minTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// encodeTime returns t as nanoseconds since the epoch, or nil (NULL) for the
// zero time.
func encodeTime(field string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return nil, fmt.Errorf("%s %v is outside the supported range [%v, %v)", field, t, minTime, maxTime)
	}
	return t.UnixNano(), nil
}

// decodeTime is the inverse of encodeTime, in UTC.
func decodeTime(ns sql.NullInt64) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	return time.Unix(0, ns.Int64).UTC()
}

func encodeProperties(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode properties: %w", err)
	}
	return string(b), nil
}

func decodeProperties(s sql.NullString) (map[string]string, error) {
	m := map[string]string{}
	if !s.Valid || s.String == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, fmt.Errorf("decode properties: %w", err)
	}
	return m, nil
}

func encodeTags(tags []string) (string, error) {
	if len(tags) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return "", fmt.Errorf("encode tags: %w", err)
	}
	return string(b), nil
}

func decodeTags(s sql.NullString) ([]string, error) {
	tags := []string{}
	if !s.Valid || s.String == "" {
		return tags, nil
	}
	if err := json.Unmarshal([]byte(s.String), &tags); err != nil {
		return nil, fmt.Errorf("decode tags: %w", err)
	}
	return tags, nil
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
