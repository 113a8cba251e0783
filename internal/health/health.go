// Package health answers the liveness and readiness probes of a node:
// GET /health says that the process serves and which roles it runs; GET
// /ready also asks each store the roles need whether it answers.
//
// Both answer JSON:
//
//	{"status": "ok", "roles": ["ingestion", "analytics"]}
//	{"status": "ready", "roles": [...], "checks": {"catalog": "ok", "object_store": "ok"}}
//	{"status": "not ready", "roles": [...], "checks": {"catalog": "ok", "object_store": "unavailable"}}
//
// /ready answers 503 when a check fails. The probes are public, so the
// cause of a failure goes to the log, never to the caller.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Check is one store a node depends on.
type Check struct {
	// Name is the key of the check in the /ready answer ("catalog").
	Name string
	// Ping returns nil when the store answers.
	Ping func(ctx context.Context) error
}

// DefaultTimeout bounds all the checks of one /ready request.
const DefaultTimeout = 5 * time.Second

// Handler serves /health and /ready. It is safe for concurrent use.
type Handler struct {
	roles  []string
	checks []Check
	log    *slog.Logger
	mux    *http.ServeMux
}

// New returns the handler of a node running roles (in the order given)
// whose readiness is the success of every check. A nil log discards.
func New(roles []string, checks []Check, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{roles: append([]string{}, roles...), checks: append([]Check{}, checks...), log: log, mux: http.NewServeMux()}
	if h.roles == nil {
		h.roles = []string{}
	}
	h.mux.HandleFunc("GET /health", h.health)
	h.mux.HandleFunc("GET /ready", h.ready)
	return h
}

// ServeHTTP answers GET /health and GET /ready, 404 otherwise.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Status is the body of both answers.
type Status struct {
	Status string            `json:"status"` // "ok" (/health), "ready" or "not ready" (/ready)
	Roles  []string          `json:"roles"`
	Checks map[string]string `json:"checks,omitempty"` // check name → "ok" or "unavailable"
}

func (h *Handler) health(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusOK, Status{Status: "ok", Roles: h.roles})
}

// ready runs the checks concurrently, each bounded by DefaultTimeout.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), DefaultTimeout)
	defer cancel()
	results := make([]error, len(h.checks))
	var wg sync.WaitGroup
	for i, c := range h.checks {
		wg.Go(func() { results[i] = c.Ping(ctx) })
	}
	wg.Wait()
	st := Status{Status: "ready", Roles: h.roles, Checks: map[string]string{}}
	code := http.StatusOK
	for i, c := range h.checks {
		st.Checks[c.Name] = "ok"
		if err := results[i]; err != nil {
			h.log.Warn("not ready", "check", c.Name, "err", err)
			st.Checks[c.Name] = "unavailable"
			st.Status, code = "not ready", http.StatusServiceUnavailable
		}
	}
	writeStatus(w, code, st)
}

func writeStatus(w http.ResponseWriter, code int, st Status) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(st)
}
