package telemetry

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// LogSite is the static description of one log call site: its level,
// target and message (or format). Declare sites once, as package-level
// variables, and emit through them: an event then carries only the site's
// id and a timestamp, and the site's text travels once per block.
//
//	var logStarted = telemetry.NewLogSite(telemetry.LevelInfo, "myapp/server", "server started")
//	var logServed = telemetry.NewLogSite(telemetry.LevelInfo, "myapp/http", "served %s in %d ms")
//
//	logStarted.Log()
//	logServed.Logf(path, ms)
type LogSite struct {
	id     uint64
	level  Level
	target string
	format string
	module string
	file   string
	line   uint32

	targetID, formatID, moduleID, fileID uint64
}

// NewLogSite registers a log call site. The caller's file and line are
// recorded. The message is used verbatim by Log and as the format by Logf.
func NewLogSite(level Level, target, message string) *LogSite {
	return newLogSite(level, target, message, 2)
}

func newLogSite(level Level, target, message string, skip int) *LogSite {
	s := &LogSite{id: newID(), level: level, target: target, format: message}
	if pc, file, line, ok := runtime.Caller(skip); ok {
		s.file, s.line = file, uint32(line)
		if fn := runtime.FuncForPC(pc); fn != nil {
			s.module = packagePath(fn.Name())
		}
	}
	s.targetID = reg.internString(s.target)
	s.formatID = reg.internString(s.format)
	s.moduleID = reg.internString(s.module)
	s.fileID = reg.internString(s.file)
	reg.addLogSite(s)
	return s
}

// packagePath turns "github.com/a/b.(*T).M" into "github.com/a/b".
func packagePath(funcName string) string {
	slash := strings.LastIndexByte(funcName, '/')
	if dot := strings.IndexByte(funcName[slash+1:], '.'); dot >= 0 {
		return funcName[:slash+1+dot]
	}
	return funcName
}

// Level returns the site's level.
func (s *LogSite) Level() Level { return s.level }

// Enabled reports whether the site's level passes the maximum level; use
// it to skip computing expensive arguments.
func (s *LogSite) Enabled() bool { return s.level <= Level(maxLevel.Load()) }

// Log records the site's message as is: no formatting, no allocation.
func (s *LogSite) Log() {
	if !s.Enabled() {
		return
	}
	if t := active.Load(); t != nil {
		t.logs.writeStatic(s.id, now())
	}
}

// Logf records the site's message used as a fmt format with args.
func (s *LogSite) Logf(args ...any) {
	if !s.Enabled() {
		return
	}
	if t := active.Load(); t != nil {
		t.logs.writeString(s.id, now(), fmt.Sprintf(s.format, args...))
	}
}

// LogString records msg under the site's level and target, ignoring the
// site's message.
func (s *LogSite) LogString(msg string) {
	if !s.Enabled() {
		return
	}
	if t := active.Load(); t != nil {
		t.logs.writeString(s.id, now(), msg)
	}
}

type siteKey struct {
	level          Level
	target, format string
}

// dynamicSites holds the sites made by Logf for each (level, target,
// format). Formats are expected to be constants: their number is bounded by
// the program's call sites.
var dynamicSites sync.Map // siteKey → *LogSite

// Logf records a formatted message at a level and target. It is a
// convenience that looks the site up by its text; for hot paths declare a
// LogSite and use its methods.
func Logf(level Level, target, format string, args ...any) {
	if level > Level(maxLevel.Load()) {
		return
	}
	key := siteKey{level, target, format}
	v, ok := dynamicSites.Load(key)
	if !ok {
		v, _ = dynamicSites.LoadOrStore(key, newLogSite(level, target, format, 2))
	}
	v.(*LogSite).Logf(args...)
}
