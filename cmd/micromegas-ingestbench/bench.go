package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/ingest/workload"
)

// bench drives the clients.
type bench struct {
	cfg     config
	base    string
	http    *http.Client
	clients []*client
	// onMeasureStart runs once, when the warmup ends.
	onMeasureStart func()
}

// client is one simulated process: its stream bodies and, per stream,
// pre-generated blocks that are sent again and again under new ids.
type client struct {
	p         *workload.Process
	templates [][]*workload.Template // per stream
	stats     stats
}

func newBench(cfg config, base string) (*bench, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.clients
	b := &bench{cfg: cfg, base: base, http: &http.Client{Transport: tr, Timeout: time.Minute}}
	start := time.Now().Add(-time.Hour)
	for i := range cfg.clients {
		c := &client{p: workload.NewProcess(uint64(time.Now().UnixNano())+uint64(i), start)}
		for _, s := range c.p.Streams {
			var blocks []*workload.Template
			for range cfg.templates {
				blk, err := c.p.NextBlock(s, cfg.events)
				if err != nil {
					return nil, err
				}
				tpl, err := workload.NewTemplate(blk)
				if err != nil {
					return nil, err
				}
				blocks = append(blocks, tpl)
			}
			c.templates = append(c.templates, blocks)
		}
		b.clients = append(b.clients, c)
	}
	return b, nil
}

// post sends one body and returns the error of anything but a 200.
func (b *bench) post(ctx context.Context, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/cbor")
	if b.cfg.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+b.cfg.apiKey)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// setup sends every process and stream.
func (b *bench) setup(ctx context.Context) error {
	for _, c := range b.clients {
		body, err := c.p.ProcessBody()
		if err != nil {
			return err
		}
		if err := b.post(ctx, "/ingestion/insert_process", body); err != nil {
			return fmt.Errorf("setup (is the server at %s running?): %w", b.base, err)
		}
		for _, s := range c.p.Streams {
			body, err := s.Body()
			if err != nil {
				return err
			}
			if err := b.post(ctx, "/ingestion/insert_stream", body); err != nil {
				return fmt.Errorf("setup: %w", err)
			}
		}
	}
	return nil
}

// run loads the server for warmup + duration and returns the figures of
// the measured part.
func (b *bench) run(ctx context.Context) (*result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var measuring atomic.Bool
	var wg sync.WaitGroup
	for _, c := range b.clients {
		wg.Go(func() { b.load(ctx, c, &measuring) })
	}
	select {
	case <-time.After(b.cfg.warmup):
	case <-ctx.Done():
	}
	cpu0, err := readCPU(b.cfg.serverPID)
	if err != nil {
		return nil, err
	}
	if b.onMeasureStart != nil {
		b.onMeasureStart()
	}
	t0 := time.Now()
	measuring.Store(true)
	select {
	case <-time.After(b.cfg.duration):
	case <-ctx.Done():
	}
	measuring.Store(false)
	elapsed := time.Since(t0)
	cpu1, err := readCPU(b.cfg.serverPID)
	if err != nil {
		return nil, err
	}
	cancel()
	wg.Wait()
	res := &result{elapsed: elapsed, cpu: cpu1.sub(cpu0), serverPID: b.cfg.serverPID}
	for _, c := range b.clients {
		res.add(&c.stats)
	}
	return res, nil
}

// load sends blocks of the client's three streams in turn until ctx ends,
// counting those that complete while measuring.
func (b *bench) load(ctx context.Context, c *client, measuring *atomic.Bool) {
	for i := 0; ctx.Err() == nil; i++ {
		kind := i % len(c.templates)
		tpl := c.templates[kind][(i/len(c.templates))%len(c.templates[kind])]
		body := tpl.Body(uuid.NewString())
		begin := time.Now()
		err := b.post(ctx, "/ingestion/insert_block", body)
		lat := time.Since(begin)
		if !measuring.Load() || ctx.Err() != nil {
			continue
		}
		if err != nil {
			c.stats.fail(err)
			continue
		}
		c.stats.ok(lat, len(body), tpl.Events)
	}
}
