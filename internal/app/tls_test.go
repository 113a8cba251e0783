package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/clientauth"
	"github.com/micromegas-go/micromegas/telemetry"
)

// writeCert writes a CA and a certificate it signs for 127.0.0.1 to dir
// and returns the paths of the CA, the certificate and its key.
func writeCert(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "micromegas test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// TestTLS serves every role over TLS with --tls-cert/--tls-key; the Go
// client (grpc+tls://), HTTPS and the telemetry sink (https://) trust the
// server through MICROMEGAS_CA_FILE, and plaintext is refused.
func TestTLS(t *testing.T) {
	caFile, certFile, keyFile := writeCert(t, t.TempDir())
	a, _ := startAuthApp(t, AuthConfig{APIKeys: testKeys, TLSCert: certFile, TLSKey: keyFile})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Setenv(clientauth.EnvCAFile, caFile)
	t.Setenv(telemetry.EnvIngestionAPIKey, ingestKey)
	guard, err := telemetry.Init(telemetry.Config{URL: "https://" + a.IngestionAddr().String()})
	if err != nil {
		t.Fatal(err)
	}
	telemetry.Logf(telemetry.LevelInfo, "tls/e2e", "over TLS")
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := guard.Stats(); st.Sink.Failed != 0 || st.Sink.Sent < 3 {
		t.Fatalf("sink over https: %+v", st.Sink)
	}

	for _, url := range []string{"grpc+tls://" + a.FlightSQLAddr().String(), "https://" + a.FlightSQLAddr().String()} {
		cl, err := client.Dial(ctx, url, client.WithToken(queryKey), client.WithCAFile(caFile))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		_, recs, err := cl.QueryAll(ctx, "SELECT count(*) FROM log_entries WHERE target = 'tls/e2e'", client.TimeRange{})
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if got := recs[0].Column(0).ValueStr(0); got != "1" {
			t.Errorf("%s: %s lines, want 1", url, got)
		}
		recs[0].Release()
	}
	// Without the CA the certificate is not trusted.
	cl, err := client.Dial(ctx, "grpc+tls://"+a.FlightSQLAddr().String(), client.WithToken(queryKey))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := queryErr(cl, "SELECT 1"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v, want a certificate error", err)
	}

	tlsCfg, err := clientauth.TLSConfig(caFile)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	req, _ := http.NewRequest("POST", "https://"+a.WebAddr().String()+"/api/query", strings.NewReader(`{"sql": "SELECT 1"}`))
	req.Header.Set("Authorization", "Bearer "+queryKey)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("HTTPS query API: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTPS query API: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + a.IngestionAddr().String() + "/health"); err == nil {
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plaintext to the TLS ingestion port: %d, want the 400 of an HTTP request to an HTTPS server", resp.StatusCode)
		}
		resp.Body.Close()
	}
	if _, err := auth.ServerTLS(certFile, ""); err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("a certificate without its key: %v", err)
	}
}
