package app

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/health"
)

// startNode starts an App with cfg on free ports and stops it when the
// test ends.
func startNode(t *testing.T, cfg Config) *App {
	t.Helper()
	cfg.IngestionAddr, cfg.FlightSQLAddr, cfg.WebAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	if cfg.HealthAddr == "" && !cfg.Roles.Has(Ingestion) && !cfg.Roles.Has(Analytics) {
		cfg.HealthAddr = "127.0.0.1:0"
	}
	a, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start node %v: %v", cfg.Roles, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown node %v: %v", cfg.Roles, err)
		}
	})
	return a
}

func getStatus(t *testing.T, url string) (int, health.Status) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var st health.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode, st
}

// TestRolesRunApart starts one node per role set and checks what each
// opens and listens on, and what its probes say.
func TestRolesRunApart(t *testing.T) {
	cases := []struct {
		roles                        Roles
		ingestion, analytics, daemon bool
		engine                       bool // DuckDB and the partition cache
		probeOn                      func(a *App) net.Addr
		wantRoles                    []string
	}{
		{Ingestion, true, false, false, false, (*App).IngestionAddr, []string{"ingestion"}},
		{Analytics, false, true, false, true, (*App).WebAddr, []string{"analytics"}},
		{Maintenance, false, false, true, true, (*App).HealthAddr, []string{"maintenance"}},
		{AllRoles, true, true, true, true, (*App).IngestionAddr, []string{"ingestion", "analytics", "maintenance"}},
	}
	for _, c := range cases {
		t.Run(c.roles.String(), func(t *testing.T) {
			dir := t.TempDir()
			a := startNode(t, Config{DataDir: dir, Roles: c.roles})
			if got := a.IngestionAddr() != nil; got != c.ingestion {
				t.Errorf("ingestion listening = %v, want %v", got, c.ingestion)
			}
			if got := a.FlightSQLAddr() != nil && a.WebAddr() != nil; got != c.analytics {
				t.Errorf("FlightSQL and web listening = %v, want %v", got, c.analytics)
			}
			if got := a.stopDaemon != nil; got != c.daemon {
				t.Errorf("daemon running = %v, want %v", got, c.daemon)
			}
			if got := a.engine != nil && a.lake != nil; got != c.engine {
				t.Errorf("engine and lakehouse open = %v, want %v", got, c.engine)
			}
			for _, sub := range []string{"cache"} {
				_, err := os.Stat(filepath.Join(dir, sub))
				if exists := err == nil; exists != c.engine {
					t.Errorf("%s/ exists = %v, want %v (an ingestion-only node keeps no local cache)", sub, exists, c.engine)
				}
			}
			base := "http://" + c.probeOn(a).String()
			code, st := getStatus(t, base+"/health")
			if code != http.StatusOK || st.Status != "ok" || !reflect.DeepEqual(st.Roles, c.wantRoles) {
				t.Errorf("/health = %d %+v, want 200 ok with roles %v", code, st, c.wantRoles)
			}
			code, st = getStatus(t, base+"/ready")
			want := map[string]string{"catalog": "ok", "object_store": "ok"}
			if code != http.StatusOK || st.Status != "ready" || !reflect.DeepEqual(st.Checks, want) {
				t.Errorf("/ready = %d %+v, want 200 ready with %v", code, st, want)
			}
		})
	}
}

// TestReadyReportsStoreDown removes the object store's folder under a
// running ingestion node: /ready turns 503 and names the store, /health
// stays 200.
func TestReadyReportsStoreDown(t *testing.T) {
	dir := t.TempDir()
	a := startNode(t, Config{DataDir: dir, Roles: Ingestion})
	base := "http://" + a.IngestionAddr().String()
	if err := os.RemoveAll(filepath.Join(dir, "objects")); err != nil {
		t.Fatal(err)
	}
	code, st := getStatus(t, base+"/ready")
	if code != http.StatusServiceUnavailable || st.Checks["object_store"] != "unavailable" || st.Checks["catalog"] != "ok" {
		t.Errorf("/ready with the object store gone = %d %+v, want 503 naming object_store", code, st)
	}
	if code, _ := getStatus(t, base+"/health"); code != http.StatusOK {
		t.Errorf("/health = %d, want 200: the process still serves", code)
	}
}
