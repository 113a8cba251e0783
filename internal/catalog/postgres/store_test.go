package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/catalogtest"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
)

func openFresh(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T, now func() time.Time) catalog.Store { return openFresh(t, WithClock(now)) })
}

func TestLatestSchemaVersion(t *testing.T) {
	if LatestSchemaVersion != len(migrations) {
		t.Fatalf("LatestSchemaVersion = %d, but there are %d migrations", LatestSchemaVersion, len(migrations))
	}
}

// TestConcurrentOpen starts several servers on one fresh database at once.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		if v, err := s.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion {
			t.Errorf("store #%d: SchemaVersion = %d, %v; want %d", i, v, err, LatestSchemaVersion)
		}
	}
	var rows int
	if err := stores[0].pool.QueryRow(ctx, "SELECT count(*) FROM migration").Scan(&rows); err != nil || rows != LatestSchemaVersion {
		t.Errorf("migration rows = %d, %v; want %d (each version recorded once)", rows, err, LatestSchemaVersion)
	}
	// Re-opening an up-to-date database is a no-op.
	again, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("re-Open: %v", err)
	}
	defer again.Close()
	if v, err := again.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion {
		t.Errorf("after re-Open: SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion)
	}
}

func TestRefusesOriginalSchema(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	_, err = conn.Exec(ctx, "CREATE TABLE lakehouse_migration(version integer)")
	conn.Close(ctx)
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	_, err = Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "fresh database") {
		t.Fatalf("Open on an original Micromegas database: error = %v, want a refusal", err)
	}
}

// closedPort returns a local TCP port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestOpenUnreachable(t *testing.T) {
	url := fmt.Sprintf("postgres://postgres:secret-password@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", closedPort(t))
	_, err := Open(t.Context(), url)
	if !errors.Is(err, catalog.ErrUnavailable) {
		t.Fatalf("Open(unreachable) error = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "secret-password") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestOpenBadInput(t *testing.T) {
	cases := map[string]string{
		"BadConnString":   "postgres://u:secret-password@127.0.0.1:5432/db?pool_max_conns=abc",
		"UnknownDatabase": strings.Replace(pgtest.ServerURL(), "/postgres?", "/mmtest_does_not_exist?", 1),
	}
	for name, url := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Open(t.Context(), url)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if errors.Is(err, catalog.ErrUnavailable) {
				t.Errorf("bad input reported as an outage: %v", err)
			}
			if strings.Contains(err.Error(), "secret-password") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

// proxy forwards TCP connections to target until stopped, so a test can
// cut the catalog off from its database.
type proxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) stop() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestServerGoesAway checks that losing the database after Open yields
// ErrUnavailable (so ingestion answers 503), both on pooled connections
// that break and on new connections that are refused.
func TestServerGoesAway(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, fmt.Sprintf("%s:%d", cfg.Host, cfg.Port))
	port := px.l.Addr().(*net.TCPAddr).Port
	s, err := Open(ctx, fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=5", cfg.User, port, cfg.Database))
	if err != nil {
		t.Fatalf("Open through proxy: %v", err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	px.stop()
	time.Sleep(50 * time.Millisecond)
	p := catalog.Process{ProcessID: uuid.NewString(), StartTime: time.Now()}
	for i, call := range []func() error{
		func() error { return s.InsertProcess(ctx, p) },
		func() error { return s.Ping(ctx) },
		func() error { _, err := s.ListProcesses(ctx); return err },
	} {
		if err := call(); !errors.Is(err, catalog.ErrUnavailable) {
			t.Errorf("call #%d after the server went away: error = %v, want ErrUnavailable", i, err)
		}
	}
}
