package httptrace

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/micromegas-go/micromegas/telemetry"
)

// Targets of the spans, metrics and logs of the middleware and the
// transport.
const (
	ServerTarget = "micromegas/http/server"
	ClientTarget = "micromegas/http/client"
)

// otherMethod stands for methods that are not standard, so that clients
// cannot grow the caches (as OpenTelemetry's _OTHER).
const otherMethod = "_OTHER"

// method returns the request's method, or otherMethod.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	case "":
		return http.MethodGet
	}
	return otherMethod
}

// route is the route of a request: its ServeMux pattern without the
// method ("/users/{id}"), "" when no pattern matched.
func route(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimLeft(pattern[i+1:], " ")
	}
	return pattern
}

// spanKey names the span of a request: "GET /users/{id}", or "GET" when
// no route is known.
type spanKey struct{ method, route string }

func (k spanKey) name() string {
	if k.route == "" {
		return k.method
	}
	return k.method + " " + k.route
}

// propsKey selects the property set of a request's metrics.
type propsKey struct {
	method, route string
	status        int
}

func newSpans(target string) *cache[spanKey, *telemetry.Span] {
	return newCache(func(k spanKey) *telemetry.Span {
		return telemetry.NewSpanTarget(target, k.name(), "", 0)
	})
}

// newProps makes the property sets of metrics; routeName is "route"
// (server) or "host" (client).
func newProps(routeName string) *cache[propsKey, *telemetry.PropertySet] {
	return newCache(func(k propsKey) *telemetry.PropertySet {
		return telemetry.NewPropertySet(
			telemetry.Property{Name: "method", Value: k.method},
			telemetry.Property{Name: routeName, Value: k.route},
			telemetry.Property{Name: "status", Value: strconv.Itoa(k.status)},
		)
	})
}
