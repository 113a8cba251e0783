// Package pgtest gives tests a throwaway PostgreSQL database on the
// machine's server, so that packages testing in parallel never collide.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the connection string of
// the server tests use (any database on it; the user must be allowed to
// create databases).
const EnvURL = "MICROMEGAS_TEST_POSTGRES_URL"

// DefaultURL is used when EnvURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns the connection string of the test server.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates a fresh database named mmtest_<random> on the test
// server, drops it (WITH (FORCE)) when the test ends, and returns a
// connection string for it. The test fails, never skips, when the server
// cannot be reached.
func NewDatabase(t testing.TB) (connString string) {
	t.Helper()
	server := ServerURL()
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		t.Fatalf("pgtest: random database name: %v", err)
	}
	name := "mmtest_" + hex.EncodeToString(buf[:])
	if err := admin(server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: PostgreSQL is needed on 127.0.0.1:5432 (or set %s to a server where the user may create databases; "+
			"start the local one with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`): %v", EnvURL, err)
	}
	t.Cleanup(func() {
		if err := admin(server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	connString, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return connString
}

// admin runs one statement on the server's maintenance connection.
func admin(server, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase returns server with its database replaced by name.
func withDatabase(server, name string) (string, error) {
	if strings.HasPrefix(server, "postgres://") || strings.HasPrefix(server, "postgresql://") {
		u, err := url.Parse(server)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvURL, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// keyword/value form: a later dbname wins.
	return server + " dbname=" + name, nil
}
