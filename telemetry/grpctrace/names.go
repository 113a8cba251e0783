package grpctrace

import (
	"sync"

	"google.golang.org/grpc/codes"

	"github.com/micromegas-go/micromegas/telemetry"
)

// maxMethods bounds the methods given their own span and property sets:
// servers reject unknown methods before interceptors run, so the methods
// of a program are few; past the bound they share "other".
const maxMethods = 4096

type propsKey struct {
	method string
	code   codes.Code
}

// names holds the spans and property sets made for each method.
type names struct {
	target string
	mu     sync.RWMutex
	spanOf map[string]*telemetry.Span
	propOf map[propsKey]*telemetry.PropertySet
}

func newNames(target string) *names {
	return &names{target: target, spanOf: map[string]*telemetry.Span{}, propOf: map[propsKey]*telemetry.PropertySet{}}
}

func (n *names) span(method string) *telemetry.Span {
	n.mu.RLock()
	s, ok := n.spanOf[method]
	n.mu.RUnlock()
	if ok {
		return s
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.spanOf[method]; ok {
		return s
	}
	if len(n.spanOf) >= maxMethods {
		method = "other"
		if s, ok := n.spanOf[method]; ok {
			return s
		}
	}
	s = telemetry.NewSpanTarget(n.target, method, "", 0)
	n.spanOf[method] = s
	return s
}

func (n *names) props(method string, code codes.Code) *telemetry.PropertySet {
	k := propsKey{method, code}
	n.mu.RLock()
	p, ok := n.propOf[k]
	n.mu.RUnlock()
	if ok {
		return p
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.propOf[k]; ok {
		return p
	}
	if len(n.propOf) >= maxMethods {
		k.method = "other"
		if p, ok := n.propOf[k]; ok {
			return p
		}
	}
	p = telemetry.NewPropertySet(telemetry.Property{Name: "method", Value: k.method}, telemetry.Property{Name: "code", Value: code.String()})
	n.propOf[k] = p
	return p
}
