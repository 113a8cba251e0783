package loadtest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// proxy is the load balancer in front of the ingestion nodes: each
// request goes to the next node in turn, and to the following ones when a
// node cannot be reached (as a load balancer's "next upstream on error").
// It records every block a node acknowledged (200) and the latency of
// insert_block requests.
type proxy struct {
	client *http.Client
	srv    *http.Server
	lis    net.Listener

	mu       sync.Mutex
	backends []string // base URLs
	next     int
	acked    map[string]ackedBlock
	latency  []time.Duration
	failures int // requests no node acknowledged (the sender retries them)
}

// ackedBlock is a block an ingestion node acknowledged.
type ackedBlock struct {
	processID, streamID string
	objects             int32
	at                  time.Time
}

func newProxy() (*proxy, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{
		lis:   lis,
		acked: map[string]ackedBlock{},
		client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second,
		}},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(lis)
	return p, nil
}

// URL is the address the emitters send to.
func (p *proxy) URL() string { return "http://" + p.lis.Addr().String() }

func (p *proxy) setBackends(urls []string) {
	p.mu.Lock()
	p.backends = append([]string{}, urls...)
	p.mu.Unlock()
}

func (p *proxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.srv.Shutdown(ctx)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	backends := append([]string{}, p.backends...)
	first := p.next
	p.next++
	p.mu.Unlock()
	for i := range backends {
		base := backends[(first+i)%len(backends)]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header = r.Header.Clone()
		resp, err := p.client.Do(req)
		if err != nil {
			continue // node down or killed mid-request: the next one
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			continue
		}
		if resp.StatusCode == http.StatusOK && r.URL.Path == "/ingestion/insert_block" {
			p.recordAck(body, time.Since(start))
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(respBody)
		return
	}
	p.mu.Lock()
	p.failures++
	p.mu.Unlock()
	http.Error(w, "no ingestion node answered", http.StatusBadGateway)
}

func (p *proxy) recordAck(body []byte, latency time.Duration) {
	b, err := transit.DecodeBlock(body)
	if err != nil {
		return // the node accepted it: cannot happen with a valid body
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, seen := p.acked[string(b.BlockID)]; !seen {
		p.acked[string(b.BlockID)] = ackedBlock{processID: string(b.ProcessID), streamID: string(b.StreamID), objects: b.NbObjects, at: time.Now()}
	}
	p.latency = append(p.latency, latency)
}

// ackedBefore returns the blocks acknowledged before t.
func (p *proxy) ackedBefore(t time.Time) map[string]ackedBlock {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]ackedBlock, len(p.acked))
	for id, b := range p.acked {
		if b.at.Before(t) {
			out[id] = b
		}
	}
	return out
}

// stats returns the latencies and the number of acknowledged blocks and
// events.
func (p *proxy) stats() (lat []time.Duration, blocks int, events int64, failures int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.acked {
		events += int64(b.objects)
	}
	return append([]time.Duration{}, p.latency...), len(p.acked), events, p.failures
}
