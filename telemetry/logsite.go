package telemetry

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
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
//
// A call on a site whose level is filtered out costs one atomic load.
type LogSite struct {
	enabled atomic.Bool // level passes the filter of its target

	id     uint64
	level  Level
	target string
	format string
	module string
	file   string
	line   uint32

	targetID, formatID, moduleID, fileID uint64

	plan   []fmtOp // the format parsed for Logf (see format.go)
	planOK bool    // false: Logf always formats with fmt

	deferOps []deferOp // the plan's verbs, per argument (see deferred.go)
	litLen   int       // the length of the plan's literal text
}

// NewLogSite registers a log call site. The caller's file, line and
// package are recorded. The message is used verbatim by Log and as the
// format by Logf.
func NewLogSite(level Level, target, message string) *LogSite {
	return newLogSite(level, target, message, 2)
}

func newLogSite(level Level, target, message string, skip int) *LogSite {
	s := &LogSite{level: level, target: target, format: message}
	s.plan, s.planOK = parseFormat(message)
	if s.planOK {
		s.deferOps, s.litLen = deferPlan(s.plan)
	}
	s.module, s.file, s.line = caller(skip + 1)
	s.targetID = reg.internString(s.target)
	s.formatID = reg.internString(s.format)
	s.moduleID = reg.internString(s.module)
	s.fileID = reg.internString(s.file)
	levels.mu.Lock()
	defer levels.mu.Unlock()
	reg.mu.Lock()
	s.id = reg.addLocked(s)
	reg.sites = append(reg.sites, s)
	reg.mu.Unlock()
	s.enabled.Store(s.level <= levelForLocked(s.target))
	return s
}

// caller returns the package, file and line skip frames up.
func caller(skip int) (module, file string, line uint32) {
	pc, file, l, ok := runtime.Caller(skip + 1)
	if !ok {
		return "", "", 0
	}
	if fn := runtime.FuncForPC(pc); fn != nil {
		module = packagePath(fn.Name())
	}
	return module, file, uint32(l)
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

// Target returns the site's target.
func (s *LogSite) Target() string { return s.target }

// Enabled reports whether the site's level passes the filter of its
// target; use it to skip computing expensive arguments.
func (s *LogSite) Enabled() bool { return s.enabled.Load() }

// Log records the site's message as is: no formatting, no allocation.
func (s *LogSite) Log() {
	if s.enabled.Load() {
		s.logStatic()
	}
}

// Logf records the site's message used as a fmt format with args; the
// text is always what fmt.Sprintf gives. When the format and the
// arguments (plain numbers, bools and short strings) allow it, the values
// are copied into the log buffer and the message is formatted later, by
// the encoder (see deferred.go); otherwise it is formatted in the calling
// goroutine, without allocating for the common verbs and argument types
// (see format.go), by fmt.Appendf for the rest.
//
// Logf keeps no reference to args, so the compiler leaves them on the
// caller's stack (no allocation to box an int or a string). In return, the
// String, Error and Format methods of the arguments, which Logf calls as
// fmt does, must not keep a reference to their receiver after they return.
func (s *LogSite) Logf(args ...any) {
	if s.enabled.Load() {
		s.logf(nil, hideArgs(args))
	}
}

// LogString records msg under the site's level and target, ignoring the
// site's message.
func (s *LogSite) LogString(msg string) {
	if s.enabled.Load() {
		s.logText(nil, msg)
	}
}

// LogWith records the site's message with a set of properties (a
// TaggedLogString event). Properties named "target" or "level" override
// the site's in the analytics.
func (s *LogSite) LogWith(props *PropertySet) {
	if s.enabled.Load() {
		s.logText(props, s.format)
	}
}

// LogfWith records the formatted message with a set of properties. Its
// arguments are treated as Logf's.
func (s *LogSite) LogfWith(props *PropertySet, args ...any) {
	if s.enabled.Load() {
		s.logf(props, hideArgs(args))
	}
}

// LogStringWith records msg with a set of properties.
func (s *LogSite) LogStringWith(props *PropertySet, msg string) {
	if s.enabled.Load() {
		s.logText(props, msg)
	}
}

func (s *LogSite) logStatic() {
	sys := active.Load()
	if sys == nil {
		return
	}
	t := now()
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindLog]
	b := w.reserve(logStaticSize)
	b[0] = logStaticStrEvent
	putU64(b[1:], s.id)
	putI64(b[9:], t)
	w.commit(logStaticSize)
	sys.releaseShard(pid)
	if s.level <= sys.triggerLevel {
		sys.keepRecent(TriggerLog)
	}
}

// fmtStackSize is the room for a formatted message on the stack; a longer
// one is formatted into a heap buffer.
const fmtStackSize = 256

func (s *LogSite) logf(props *PropertySet, args []any) {
	sys := active.Load()
	if sys == nil {
		return
	}
	t := now()
	var deferred bool
	if len(args) == 1 {
		deferred = s.logDeferred1(sys, t, props, args[0])
	} else {
		deferred = s.logDeferred(sys, t, props, args)
	}
	if !deferred {
		s.logFormatted(sys, t, props, args)
	}
}

// logFormatted formats the message in the calling goroutine (logf's
// path when the call cannot be deferred).
func (s *LogSite) logFormatted(sys *system, t int64, props *PropertySet, args []any) {
	var stack [fmtStackSize]byte
	writeLogText(sys, s, t, props, s.appendMessage(stack[:0], args))
}

// appendMessage appends the site's format applied to args: by the plan
// when it can, by fmt otherwise.
func (s *LogSite) appendMessage(b []byte, args []any) []byte {
	if s.planOK {
		if msg, ok := appendPlan(b, s.plan, args); ok {
			return msg
		}
	}
	return fmt.Appendf(b, s.format, args...)
}

func (s *LogSite) logText(props *PropertySet, msg string) {
	sys := active.Load()
	if sys == nil {
		return
	}
	writeLogText(sys, s, now(), props, msg)
}

// writeLogText writes a LogStringEventV2, or a TaggedLogString when props
// is not nil. A message longer than the buffer allows is truncated.
func writeLogText[T string | []byte](sys *system, s *LogSite, t int64, props *PropertySet, msg T) {
	header := logStringHeader
	if props != nil {
		header = taggedLogHeader
	}
	if limit := sys.capacity[kindLog] - header - dynStringHeader - maxObjectSize; len(msg) > limit {
		msg = truncateUTF8(msg, limit)
	}
	size := header + dynStringHeader + len(msg)
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindLog]
	b := w.reserve(size)
	putU32(b[1:], uint32(size-5))
	putU64(b[5:], s.id)
	if props == nil {
		b[0] = logStringEventV2
		putI64(b[13:], t)
	} else {
		b[0] = taggedLogString
		putU64(b[13:], props.id)
		putI64(b[21:], t)
	}
	d := b[header:]
	d[0] = 2 // utf8
	putU32(d[1:], uint32(len(msg)))
	copy(d[5:], msg)
	w.commit(size)
	sys.releaseShard(pid)
	if s.level <= sys.triggerLevel {
		sys.keepRecent(TriggerLog)
	}
}

// truncateUTF8 cuts s to at most n bytes on a character boundary.
func truncateUTF8[T string | []byte](s T, n int) T {
	if n < 0 {
		n = 0
	}
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
	if level > Level(loosest.Load()) {
		return
	}
	key := siteKey{level, target, format}
	v, ok := dynamicSites.Load(key)
	if !ok {
		v, _ = dynamicSites.LoadOrStore(key, newLogSite(level, target, format, 2))
	}
	v.(*LogSite).Logf(args...)
}
