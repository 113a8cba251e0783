package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
)

// BenchmarkIngestAuth compares ingestion throughput (blocks of 1,000
// events, SQLite + local folder, 4 concurrent clients) on three servers
// running at once: without authentication, with an API key and with a
// cached OIDC token. The servers take turns, 500 blocks each per round
// for 6 rounds, so that the load of a shared machine falls on all of
// them alike. It reports blocks/s and the CPU time of the process
// (servers and clients) per block for each. Run it once:
//
//	go test -run '^$' -bench BenchmarkIngestAuth -benchtime 1x ./internal/app/
func BenchmarkIngestAuth(b *testing.B) {
	p := oidctest.Start(b)
	token := p.Sign(b, p.Claims())
	targets := []*ingestTarget{
		{name: "open"},
		{name: "api_key", auth: AuthConfig{APIKeys: testKeys}, bearer: ingestKey},
		{name: "oidc", auth: AuthConfig{OIDCConfig: `{"issuers": [{"issuer": "` + p.Issuer + `", "audience": "` + oidctest.ClientID + `"}]}`}, bearer: token},
	}
	for _, tg := range targets {
		tg.start(b)
	}
	const rounds, perRound, clients = 6, 500, 4
	for b.Loop() {
		for range rounds {
			for _, tg := range targets {
				tg.send(b, perRound, clients)
			}
		}
	}
	for _, tg := range targets {
		b.ReportMetric(float64(tg.blocks)/tg.wall.Seconds(), tg.name+"_blocks/s")
		b.ReportMetric(float64(tg.cpu.Microseconds())/float64(tg.blocks), tg.name+"_cpu-µs/block")
	}
}

// ingestTarget is one server of BenchmarkIngestAuth and what it measured.
type ingestTarget struct {
	name   string
	auth   AuthConfig
	bearer string

	base   string
	client *http.Client
	tmpl   *workload.Template
	blocks int
	wall   time.Duration
	cpu    time.Duration
}

func (tg *ingestTarget) start(b *testing.B) {
	a, err := Start(context.Background(), Config{DataDir: b.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0",
		WebAddr: "127.0.0.1:0", Auth: tg.auth, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Shutdown(context.Background()) })
	tg.base = "http://" + a.IngestionAddr().String()
	tg.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	proc := workload.NewProcess(1, time.Now())
	body, _ := proc.ProcessBody()
	tg.post(b, "/ingestion/insert_process", body)
	s := proc.Streams[0]
	body, _ = s.Body()
	tg.post(b, "/ingestion/insert_stream", body)
	blk, err := proc.NextBlock(s, 1000)
	if err != nil {
		b.Fatal(err)
	}
	if tg.tmpl, err = workload.NewTemplate(blk); err != nil {
		b.Fatal(err)
	}
}

func (tg *ingestTarget) post(b *testing.B, path string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, tg.base+path, bytes.NewReader(body))
	if tg.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+tg.bearer)
	}
	resp, err := tg.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s %s: %s", tg.name, path, resp.Status)
	}
}

// send posts n blocks from the clients and adds the time taken.
func (tg *ingestTarget) send(b *testing.B, n, clients int) {
	start, cpu := time.Now(), cputime.Process()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < n; i += clients {
				tg.post(b, "/ingestion/insert_block", tg.tmpl.Body(uuid.NewString()))
			}
		})
	}
	wg.Wait()
	tg.wall += time.Since(start)
	tg.cpu += cputime.Process() - cpu
	tg.blocks += n
}
