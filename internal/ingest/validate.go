package ingest

import (
	"errors"
	"fmt"
	"time"
)

// errInvalidInput marks requests that decode but cannot be stored; they
// get 400.
var errInvalidInput = errors.New("invalid input")

// The instants every store and the analytics can hold: int64 nanoseconds
// since the Unix epoch (Arrow timestamp[ns], the SQLite catalog), rounded
// to whole years.
var (
	minTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses an instant outside [minTime, maxTime) before anything
// is written, so that a block is not stored as an object that no catalog
// row can describe.
func checkTime(what string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return fmt.Errorf("%w: %s %s is outside the supported range [%s, %s)", errInvalidInput, what,
			t.Format(time.RFC3339Nano), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return nil
}
