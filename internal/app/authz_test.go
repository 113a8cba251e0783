package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/telemetry"
)

func dialWith(t *testing.T, a *App, token string) *client.Client {
	t.Helper()
	cl, err := client.Dial(context.Background(), "grpc://"+a.FlightSQLAddr().String(), client.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func queryErr(cl *client.Client, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, recs, err := cl.QueryAll(ctx, sql, client.TimeRange{})
	for _, r := range recs {
		r.Release()
	}
	return err
}

// TestScopesAndAdmins checks that scopes and admin rights are enforced
// on every role: an ingest key cannot query, a query key cannot write,
// only admins call the mutating functions, mint keys and bulk-ingest,
// and that minted keys work at once and stop when revoked. Queries and
// admin actions leave audit lines with the identity.
func TestScopesAndAdmins(t *testing.T) {
	a, logs := startAuthApp(t, AuthConfig{APIKeys: testKeys, Admins: "grafana-admin"})
	ctx := context.Background()
	ingestion := "http://" + a.IngestionAddr().String()
	webURL := "http://" + a.WebAddr().String()
	body, err := workload.NewProcess(1, time.Now()).ProcessBody()
	if err != nil {
		t.Fatal(err)
	}

	// ingest key: writes, cannot read.
	if code, msg := httpCall(t, "POST", ingestion+"/ingestion/insert_process", ingestKey, body); code != http.StatusOK {
		t.Fatalf("ingest key writing: %d %s", code, msg)
	}
	if err := queryErr(dialWith(t, a, ingestKey), "SELECT 1"); status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "query scope") {
		t.Errorf("ingest key querying FlightSQL: %v, want PermissionDenied naming the query scope", err)
	}
	if code, msg := httpCall(t, "POST", webURL+"/api/query", ingestKey, []byte(`{"sql": "SELECT 1"}`)); code != http.StatusForbidden {
		t.Errorf("ingest key querying the HTTP API: %d %s, want 403", code, msg)
	}

	// query key: reads, cannot write or administer.
	grafana := dialWith(t, a, queryKey)
	if err := queryErr(grafana, "SELECT count(*) FROM processes"); err != nil {
		t.Errorf("query key querying: %v", err)
	}
	if code, msg := httpCall(t, "POST", webURL+"/api/query", queryKey, []byte(`{"sql": "SELECT 1 AS one"}`)); code != http.StatusOK {
		t.Errorf("query key on the HTTP API: %d %s", code, msg)
	}
	if code, _ := httpCall(t, "POST", ingestion+"/ingestion/insert_process", queryKey, body); code != http.StatusForbidden {
		t.Errorf("query key writing: %d, want 403", code)
	}
	for _, sql := range []string{
		"SELECT * FROM retire_partitions('log_entries', 'global', now() - INTERVAL 1 HOUR, now())",
		"SELECT * FROM materialize_partitions('log_entries', now() - INTERVAL 1 HOUR, now(), 3600)",
		"SELECT retire_partition_by_file('views/x.parquet')",
	} {
		if err := queryErr(grafana, sql); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "reserved to admins") {
			t.Errorf("non-admin calling %s: %v", sql, err)
		}
	}
	if _, err := grafana.CreateAPIKey(ctx, client.KeyRequest{Name: "sneaky", Scope: "admin"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("non-admin minting a key: %v, want PermissionDenied", err)
	}
	if _, err := grafana.ListAPIKeys(ctx); status.Code(err) != codes.PermissionDenied {
		t.Errorf("non-admin listing keys: %v, want PermissionDenied", err)
	}
	if id, err := grafana.WhoAmI(ctx); err != nil || id.Subject != "grafana" || id.Kind != "api_key" || id.Admin || id.Scopes != "query" {
		t.Errorf("whoami of the query key: %+v, %v", id, err)
	}

	// admin key: retire works, keys are minted, used, listed and revoked.
	ops := dialWith(t, a, adminKey)
	if err := queryErr(ops, "SELECT * FROM retire_partitions('log_entries', 'global', now() - INTERVAL 1 HOUR, now())"); err != nil {
		t.Errorf("admin retiring partitions: %v", err)
	}
	minted, err := ops.CreateAPIKey(ctx, client.KeyRequest{Name: "dashboards", Scope: "query", ExpiresAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatalf("admin minting a key: %v", err)
	}
	if !strings.HasPrefix(minted.Key, "mmk_") || minted.Creator != "ops" || minted.Scope != "query" {
		t.Errorf("minted %+v", minted.APIKey)
	}
	dash := dialWith(t, a, minted.Key)
	if err := queryErr(dash, "SELECT 1"); err != nil {
		t.Errorf("the minted key, used at once: %v", err)
	}
	if code, _ := httpCall(t, "POST", ingestion+"/ingestion/insert_process", minted.Key, body); code != http.StatusForbidden {
		t.Errorf("the minted query key writing: %d, want 403", code)
	}
	if _, err := ops.CreateAPIKey(ctx, client.KeyRequest{Name: "dashboards", Scope: "query"}); status.Code(err) != codes.AlreadyExists {
		t.Errorf("a second active key of the same name: %v, want AlreadyExists", err)
	}
	keys, err := ops.ListAPIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Name != "dashboards" || keys[0].Creator != "ops" {
		t.Fatalf("list: %+v, %v", keys, err)
	}
	if _, err := ops.RevokeAPIKey(ctx, "dashboards"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := queryErr(dash, "SELECT 1"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a revoked key on the server that revoked it: %v, want Unauthenticated", err)
	}
	if _, err := ops.RevokeAPIKey(ctx, "dashboards"); status.Code(err) != codes.NotFound {
		t.Errorf("revoking twice: %v, want NotFound", err)
	}

	// Audit: the queries and admin actions carry the identity; no secret
	// is ever logged.
	out := logs.String()
	for _, want := range []string{
		`msg=audit subject=grafana`, `action=query sql="SELECT count(*) FROM processes"`,
		`subject=ops email="" issuer=api_key auth=api_key admin=true action=create_api_key name=dashboards scope=query`,
		`action=revoke_api_key name=dashboards`, `subject=dashboards`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	for _, secret := range []string{ingestKey, queryKey, adminKey, minted.Key} {
		if strings.Contains(out, secret) {
			t.Fatalf("a key appears in the log")
		}
	}
}

// TestAuditLinesQueryable checks that audit lines go to the server's own
// telemetry too: with telemetry pointed at the server, they are log
// entries of target micromegas/audit, readable with SQL.
func TestAuditLinesQueryable(t *testing.T) {
	a, _ := startAuthApp(t, AuthConfig{APIKeys: testKeys})
	t.Setenv(telemetry.EnvIngestionAPIKey, ingestKey)
	guard, err := telemetry.Init(telemetry.Config{URL: "http://" + a.IngestionAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	grafana := dialWith(t, a, queryKey)
	if err := queryErr(grafana, "SELECT 'audited' AS marker"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_, recs, err := grafana.QueryAll(ctx, "SELECT msg FROM log_entries WHERE target = 'micromegas/audit' AND msg LIKE '%audited%'", client.TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		for i := range int(r.NumRows()) {
			lines = append(lines, r.Column(0).ValueStr(i))
		}
		r.Release()
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `"subject":"grafana"`) || !strings.Contains(lines[0], `"rows":1`) {
		t.Fatalf("audit lines in log_entries: %q", lines)
	}
}
