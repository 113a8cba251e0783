package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/client"
)

// relativeTime matches the relative forms of --begin and --end: a number
// and a unit (s, m, h, d or w), meaning that long before now.
var relativeTime = regexp.MustCompile(`^(\d+(?:\.\d+)?)([smhdw])$`)

// parseTimeArg reads a --begin or --end value: "" (unset), "now", an
// RFC3339 time, a relative time such as 30m, 1h, 7d or 2w (before now), or
// a Go duration such as 1h30m (before now).
func parseTimeArg(flagName, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.EqualFold(s, "now"):
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if m := relativeTime.FindStringSubmatch(s); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour,
			"d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		return now.Add(-time.Duration(v * float64(unit))), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want an RFC3339 time such as 2026-01-02T15:04:05Z, \"now\", or a time before now such as 30m, 1h, 7d", flagName, s)
}

// timeRange reads --begin and --end. With --begin alone, the range ends
// now; with --end alone it is an error.
func timeRange(begin, end string) (client.TimeRange, error) {
	now := time.Now().UTC()
	var tr client.TimeRange
	var err error
	if tr.Begin, err = parseTimeArg("--begin", begin, now); err != nil {
		return tr, err
	}
	if tr.End, err = parseTimeArg("--end", end, now); err != nil {
		return tr, err
	}
	switch {
	case tr.Begin.IsZero() && !tr.End.IsZero():
		return tr, fmt.Errorf("--end needs --begin: give the start of the range too")
	case !tr.Begin.IsZero() && tr.End.IsZero():
		tr.End = now
	}
	if tr.End.Before(tr.Begin) {
		return tr, fmt.Errorf("--end (%s) is before --begin (%s)", tr.End.Format(time.RFC3339), tr.Begin.Format(time.RFC3339))
	}
	return tr, nil
}
