package telemetry

import (
	"fmt"
	"strings"
)

// Level is the severity of a log event. The numbering is the original's
// (spec 2.1): a smaller number is more severe.
type Level uint32

// Log levels.
const (
	LevelFatal Level = 1
	LevelError Level = 2
	LevelWarn  Level = 3
	LevelInfo  Level = 4
	LevelDebug Level = 5
	LevelTrace Level = 6
)

// LevelOff disables every log when used as a maximum level.
const LevelOff Level = 0

// String returns the level's lower-case name.
func (l Level) String() string {
	switch l {
	case LevelOff:
		return "off"
	case LevelFatal:
		return "fatal"
	case LevelError:
		return "error"
	case LevelWarn:
		return "warn"
	case LevelInfo:
		return "info"
	case LevelDebug:
		return "debug"
	case LevelTrace:
		return "trace"
	}
	return fmt.Sprintf("level(%d)", uint32(l))
}

// ParseLevel parses a level name: off, fatal, error, warn (or warning),
// info, debug, trace; case is ignored.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off":
		return LevelOff, nil
	case "fatal":
		return LevelFatal, nil
	case "error":
		return LevelError, nil
	case "warn", "warning":
		return LevelWarn, nil
	case "info":
		return LevelInfo, nil
	case "debug":
		return LevelDebug, nil
	case "trace":
		return LevelTrace, nil
	}
	return 0, fmt.Errorf("unknown log level %q: want off, fatal, error, warn, info, debug or trace", s)
}
