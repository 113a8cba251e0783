package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
)

// BenchmarkIngestAuth measures ingestion throughput (blocks of 1,000
// events, SQLite + local folder, concurrent clients) on a server without
// authentication, with an API key and with a cached OIDC token, in the
// same run: the cost of authentication must not show. Besides blocks/s,
// it reports the CPU time of the process (server and clients) per block,
// which the load of a shared machine disturbs less than wall time.
func BenchmarkIngestAuth(b *testing.B) {
	p := oidctest.Start(b)
	token := p.Sign(b, p.Claims())
	for _, c := range []struct {
		name   string
		auth   AuthConfig
		bearer string
	}{
		{"open", AuthConfig{}, ""},
		{"api_key", AuthConfig{APIKeys: testKeys}, ingestKey},
		{"oidc", AuthConfig{OIDCConfig: `{"issuers": [{"issuer": "` + p.Issuer + `", "audience": "` + oidctest.ClientID + `"}]}`}, token},
	} {
		b.Run(c.name, func(b *testing.B) {
			a, err := Start(context.Background(), Config{DataDir: b.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0",
				WebAddr: "127.0.0.1:0", Auth: c.auth, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Shutdown(context.Background())
			base := "http://" + a.IngestionAddr().String()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			post := func(path string, body []byte) {
				req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
				if c.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+c.bearer)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: %s", path, resp.Status)
				}
			}
			proc := workload.NewProcess(1, time.Now())
			body, _ := proc.ProcessBody()
			post("/ingestion/insert_process", body)
			s := proc.Streams[0]
			body, _ = s.Body()
			post("/ingestion/insert_stream", body)
			blk, err := proc.NextBlock(s, 1000)
			if err != nil {
				b.Fatal(err)
			}
			tmpl, err := workload.NewTemplate(blk)
			if err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(2)
			b.ResetTimer()
			cpu := cputime.Process()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					post("/ingestion/insert_block", tmpl.Body(uuid.NewString()))
				}
			})
			cpu = cputime.Process() - cpu
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/block")
		})
	}
}
