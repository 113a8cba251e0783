package telemetry

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// SlogOptions configures NewSlogHandler.
type SlogOptions struct {
	// Target of the log events (default "slog"). The telemetry level
	// filter of this target applies (SetMaxLevel, SetTargetLevel).
	Target string
}

// NewSlogHandler returns a log/slog handler that records slog records into
// the telemetry log stream, so that code logging with slog is captured.
// Attributes (of the record and of WithAttrs, flattened with "." for
// groups) become the event's properties, a TaggedLogString; a record
// without attributes is a LogStringEventV2. slog levels map to telemetry
// levels: below Debug is trace, Debug debug, Info info, Warn warn, Error
// error, and Error+4 or more fatal.
//
// Property sets are interned (see NewPropertySet): attributes with
// unbounded cardinality (request ids) are better put in the message. Once
// MaxPropertySets sets exist, the attributes are appended to the message
// instead.
//
//	slog.SetDefault(slog.New(telemetry.NewSlogHandler(nil)))
func NewSlogHandler(opts *SlogOptions) slog.Handler {
	target := "slog"
	if opts != nil && opts.Target != "" {
		target = opts.Target
	}
	h := &slogHandler{}
	for l := LevelFatal; l <= LevelTrace; l++ {
		h.sites[l] = newLogSite(l, target, "", 1)
	}
	return h
}

type slogHandler struct {
	sites  [LevelTrace + 1]*LogSite
	attrs  []Property // from WithAttrs, prefixed
	prefix string     // groups of WithGroup, "a.b."
}

// slogLevel maps a slog level to a telemetry level.
func slogLevel(l slog.Level) Level {
	switch {
	case l < slog.LevelDebug:
		return LevelTrace
	case l < slog.LevelInfo:
		return LevelDebug
	case l < slog.LevelWarn:
		return LevelInfo
	case l < slog.LevelError:
		return LevelWarn
	case l < slog.LevelError+4:
		return LevelError
	}
	return LevelFatal
}

// Enabled implements slog.Handler.
func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.sites[slogLevel(l)].Enabled()
}

// Handle implements slog.Handler.
func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	site := h.sites[slogLevel(r.Level)]
	if !site.Enabled() {
		return nil
	}
	if len(h.attrs) == 0 && r.NumAttrs() == 0 {
		site.LogString(r.Message)
		return nil
	}
	props := slices.Clone(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		props = appendAttr(props, h.prefix, a)
		return true
	})
	ps := NewPropertySet(props...)
	if ps == OverflowPropertySet {
		var b strings.Builder
		b.WriteString(r.Message)
		for _, p := range props {
			b.WriteByte(' ')
			b.WriteString(p.Name)
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
		site.LogStringWith(ps, b.String())
		return nil
	}
	site.LogStringWith(ps, r.Message)
	return nil
}

// appendAttr flattens a into properties named prefix+key.
func appendAttr(props []Property, prefix string, a slog.Attr) []Property {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			props = appendAttr(props, p, g)
		}
		return props
	}
	if a.Key == "" {
		return props
	}
	return append(props, Property{Name: prefix + a.Key, Value: v.String()})
}

// WithAttrs implements slog.Handler.
func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = slices.Clone(h.attrs)
	for _, a := range attrs {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

// WithGroup implements slog.Handler.
func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}
