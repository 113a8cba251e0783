package telemetry

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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

// The level filter: a global maximum level, overridden per target prefix
// (the longest matching prefix wins, as in the original's per-target
// levels). Each log site caches whether it passes in an atomic flag that
// these functions refresh, so a disabled call costs one atomic load.
var levels struct {
	mu      sync.Mutex
	max     Level
	targets []targetLevel // longest prefix first
}

type targetLevel struct {
	prefix string
	level  Level
}

// loosest is the most verbose level any target can record: the quick test
// of the package-level Logf.
var loosest atomic.Uint32

func init() {
	levels.max = DefaultMaxLevel
	loosest.Store(uint32(DefaultMaxLevel))
}

// SetMaxLevel changes the most verbose level recorded by targets without
// a level of their own.
func SetMaxLevel(l Level) {
	levels.mu.Lock()
	defer levels.mu.Unlock()
	levels.max = l
	refreshLevelsLocked()
}

// MaxLevel returns the most verbose level recorded by targets without a
// level of their own.
func MaxLevel() Level {
	levels.mu.Lock()
	defer levels.mu.Unlock()
	return levels.max
}

// SetTargetLevel sets the most verbose level recorded for targets that
// start with prefix ("myapp/db" covers "myapp/db" and "myapp/dbpool"; use
// a trailing "/" to mean a subtree). The longest matching prefix wins.
func SetTargetLevel(prefix string, l Level) {
	levels.mu.Lock()
	defer levels.mu.Unlock()
	setTargetLevelLocked(prefix, l)
	refreshLevelsLocked()
}

func setTargetLevelLocked(prefix string, l Level) {
	levels.targets = slicesDeleteFunc(levels.targets, func(t targetLevel) bool { return t.prefix == prefix })
	levels.targets = append(levels.targets, targetLevel{prefix, l})
	sort.SliceStable(levels.targets, func(i, j int) bool {
		return len(levels.targets[i].prefix) > len(levels.targets[j].prefix)
	})
}

// configureLevels applies the levels of a Config.
func configureLevels(max Level, targets map[string]Level) {
	levels.mu.Lock()
	defer levels.mu.Unlock()
	levels.max = max
	for prefix, l := range targets {
		setTargetLevelLocked(prefix, l)
	}
	refreshLevelsLocked()
}

// ClearTargetLevels removes every per-target level.
func ClearTargetLevels() {
	levels.mu.Lock()
	defer levels.mu.Unlock()
	levels.targets = nil
	refreshLevelsLocked()
}

func slicesDeleteFunc(s []targetLevel, del func(targetLevel) bool) []targetLevel {
	out := s[:0]
	for _, t := range s {
		if !del(t) {
			out = append(out, t)
		}
	}
	return out
}

// levelForLocked returns the maximum level of target.
func levelForLocked(target string) Level {
	for _, t := range levels.targets {
		if strings.HasPrefix(target, t.prefix) {
			return t.level
		}
	}
	return levels.max
}

// refreshLevelsLocked recomputes every site's flag; levels.mu is held.
func refreshLevelsLocked() {
	l := levels.max
	for _, t := range levels.targets {
		l = max(l, t.level)
	}
	loosest.Store(uint32(l))
	reg.mu.RLock()
	sites := reg.sites
	reg.mu.RUnlock()
	for _, s := range sites {
		s.enabled.Store(s.level <= levelForLocked(s.target))
	}
}

// LevelEnabled reports whether a log of level l for target would be
// recorded.
func LevelEnabled(l Level, target string) bool {
	if l > Level(loosest.Load()) {
		return false
	}
	levels.mu.Lock()
	defer levels.mu.Unlock()
	return l <= levelForLocked(target)
}
