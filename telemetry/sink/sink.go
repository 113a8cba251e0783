// Package sink delivers encoded telemetry messages to a Micromegas
// ingestion service over HTTP.
//
// A Sink never blocks its caller: Enqueue either accepts a message into a
// queue bounded by a byte budget or drops it and counts the drop. Worker
// goroutines POST queued messages with keep-alive connections, retrying
// transient failures (network errors, 408, 429, 5xx) with exponential
// backoff. Process and stream messages are never dropped for lack of
// budget and are retried until Close; blocks are dropped when the budget is
// spent or after MaxAttempts, and counted (Stats).
package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is the kind of a message, which selects the ingestion route.
type Kind uint8

// Message kinds.
const (
	KindProcess Kind = iota
	KindStream
	KindBlock
)

// Path returns the ingestion route of the kind.
func (k Kind) Path() string {
	switch k {
	case KindProcess:
		return "/ingestion/insert_process"
	case KindStream:
		return "/ingestion/insert_stream"
	default:
		return "/ingestion/insert_block"
	}
}

// Options configures a Sink.
type Options struct {
	// URL is the ingestion service root, e.g. http://127.0.0.1:9000.
	URL string
	// MaxQueuedBytes bounds the bytes of blocks waiting to be sent.
	// Default 64 MiB.
	MaxQueuedBytes int64
	// Workers is the number of concurrent requests. Default 4.
	Workers int
	// MaxAttempts is the number of tries per block. Default 5. Process and
	// stream messages are retried until Close: blocks are useless without
	// them.
	MaxAttempts int
	// InitialBackoff is the wait after the first failure, doubled on each
	// retry up to MaxBackoff, with jitter. A Retry-After header of a 429 or
	// 503 response is honoured up to MaxBackoff. Defaults 50 ms and 5 s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Client is the HTTP client; default has a 30 s timeout.
	Client *http.Client
	// Decorate is called on each request before it is sent, e.g. to set
	// an Authorization header. It must be safe for concurrent use. An
	// error wrapping ErrUnauthorized fails the message at once; others
	// are retried.
	Decorate func(*http.Request) error
	// OnError, if set, is told about messages that were given up on.
	OnError func(kind Kind, err error)
}

// Stats counts what the sink did. All fields are cumulative.
type Stats struct {
	Sent           uint64 // messages acknowledged by the server
	SentBytes      uint64
	Dropped        uint64 // blocks dropped because the queue was over budget
	DroppedBytes   uint64
	Failed         uint64 // messages given up on after retries or a permanent error
	Unauthorized   uint64 // messages the server refused for their credentials (401, 403); counted in Failed too
	Retries        uint64
	QueuedBytes    int64 // bytes currently queued
	QueuedMessages int64
}

type message struct {
	kind Kind
	body []byte
}

// Sink is an asynchronous HTTP sender. Create it with New.
type Sink struct {
	opts Options

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []message // FIFO; process/stream messages are put in front of blocks
	busy    int       // messages taken by workers and not finished
	closed  bool
	stopped chan struct{}
	wg      sync.WaitGroup
	ctx     context.Context // of requests, canceled when Close gives up
	cancel  context.CancelFunc

	queuedBytes  atomic.Int64
	sent         atomic.Uint64
	sentBytes    atomic.Uint64
	dropped      atomic.Uint64
	droppedBytes atomic.Uint64
	failed       atomic.Uint64
	unauthorized atomic.Uint64
	retries      atomic.Uint64
}

// ErrUnauthorized is matched by the errors of messages the server refused
// for their credentials (HTTP 401 or 403). They are not retried: the same
// credentials would be refused again.
var ErrUnauthorized = errors.New("the ingestion server refused the credentials")

// New starts a sink's workers.
func New(opts Options) (*Sink, error) {
	if opts.URL == "" {
		return nil, errors.New("sink: URL is required (set MICROMEGAS_TELEMETRY_URL, e.g. http://127.0.0.1:9000)")
	}
	opts.URL = strings.TrimRight(opts.URL, "/")
	if opts.MaxQueuedBytes <= 0 {
		opts.MaxQueuedBytes = 64 << 20
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = 50 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: opts.Workers,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	s := &Sink{opts: opts, stopped: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cond = sync.NewCond(&s.mu)
	for range opts.Workers {
		s.wg.Add(1)
		go s.worker()
	}
	return s, nil
}

// Enqueue queues a message without blocking. It returns false when the
// message was dropped: a block that does not fit in the byte budget, or any
// message after Close.
func (s *Sink) Enqueue(kind Kind, body []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.dropped.Add(1)
		s.droppedBytes.Add(uint64(len(body)))
		return false
	}
	if kind == KindBlock {
		if s.queuedBytes.Load()+int64(len(body)) > s.opts.MaxQueuedBytes {
			s.dropped.Add(1)
			s.droppedBytes.Add(uint64(len(body)))
			return false
		}
		s.queue = append(s.queue, message{kind, body})
	} else {
		// Metadata goes before queued blocks, so a server sees a
		// stream before its blocks whenever possible.
		i := 0
		for i < len(s.queue) && s.queue[i].kind != KindBlock {
			i++
		}
		s.queue = append(s.queue, message{})
		copy(s.queue[i+1:], s.queue[i:])
		s.queue[i] = message{kind, body}
	}
	s.queuedBytes.Add(int64(len(body)))
	s.cond.Signal()
	return true
}

// Flush waits until every message queued before the call is sent or given
// up on, or until ctx ends.
func (s *Sink) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.mu.Lock()
		for (len(s.queue) > 0 || s.busy > 0) && !s.isStopped() {
			s.cond.Wait()
		}
		s.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Wake the waiter so its goroutine ends after Close.
		return fmt.Errorf("sink flush: %w", ctx.Err())
	}
}

func (s *Sink) isStopped() bool {
	select {
	case <-s.stopped:
		return true
	default:
		return false
	}
}

// Close flushes with ctx as the deadline, then stops the workers. Messages
// still queued when ctx ends are dropped and counted. Close is idempotent.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	err := s.Flush(ctx)
	if err != nil {
		s.cancel() // abort requests in flight: the deadline has passed
	}
	s.mu.Lock()
	s.closed = true
	for _, m := range s.queue {
		s.dropped.Add(1)
		s.droppedBytes.Add(uint64(len(m.body)))
		s.queuedBytes.Add(-int64(len(m.body)))
	}
	s.queue = nil
	close(s.stopped)
	s.cond.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
	s.cancel()
	return err
}

// QueuedBytes returns the bytes of the messages queued and in flight.
func (s *Sink) QueuedBytes() int64 { return s.queuedBytes.Load() }

// MaxQueuedBytes returns the byte budget of queued blocks.
func (s *Sink) MaxQueuedBytes() int64 { return s.opts.MaxQueuedBytes }

// Stats returns the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	n := int64(len(s.queue))
	s.mu.Unlock()
	return Stats{
		Sent:           s.sent.Load(),
		SentBytes:      s.sentBytes.Load(),
		Dropped:        s.dropped.Load(),
		DroppedBytes:   s.droppedBytes.Load(),
		Failed:         s.failed.Load(),
		Unauthorized:   s.unauthorized.Load(),
		Retries:        s.retries.Load(),
		QueuedBytes:    s.queuedBytes.Load(),
		QueuedMessages: n,
	}
}

func (s *Sink) worker() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		m := s.queue[0]
		s.queue[0] = message{}
		s.queue = s.queue[1:]
		s.busy++
		s.mu.Unlock()

		s.deliver(m)

		s.mu.Lock()
		s.busy--
		s.queuedBytes.Add(-int64(len(m.body)))
		s.cond.Broadcast()
		s.mu.Unlock()
	}
}

// deliver sends one message with retries. Blocks get MaxAttempts tries;
// process and stream messages are retried until Close.
func (s *Sink) deliver(m message) {
	backoff := s.opts.InitialBackoff
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		var wait time.Duration
		retry, wait, err = s.post(m)
		if err == nil {
			s.sent.Add(1)
			s.sentBytes.Add(uint64(len(m.body)))
			return
		}
		if !retry || (m.kind == KindBlock && attempt >= s.opts.MaxAttempts) {
			break
		}
		s.retries.Add(1)
		if wait <= 0 {
			// Full jitter between half the backoff and the backoff.
			wait = backoff/2 + rand.N(backoff/2+1)
		}
		wait = min(wait, s.opts.MaxBackoff)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.stopped:
			t.Stop()
			s.failed.Add(1)
			s.report(m.kind, fmt.Errorf("sink closed while retrying: %w", err))
			return
		}
		backoff = min(backoff*2, s.opts.MaxBackoff)
	}
	s.failed.Add(1)
	if errors.Is(err, ErrUnauthorized) {
		s.unauthorized.Add(1)
	}
	s.report(m.kind, err)
}

func (s *Sink) report(kind Kind, err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(kind, err)
	}
}

// post sends a message once and says whether a failure is worth a
// retry, and after how long if the server said (Retry-After).
func (s *Sink) post(m message) (retry bool, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.opts.URL+m.kind.Path(), bytes.NewReader(m.body))
	if err != nil {
		return false, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/cbor")
	if s.opts.Decorate != nil {
		if err := s.opts.Decorate(req); err != nil {
			// Credentials that cannot be had (a refused client secret)
			// will not come by retrying.
			return !errors.Is(err, ErrUnauthorized), 0, fmt.Errorf("decorate request: %w", err)
		}
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return s.ctx.Err() == nil, 0, fmt.Errorf("post %s: %w", m.kind.Path(), err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection reusable
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	err = fmt.Errorf("post %s: %s: %s", m.kind.Path(), resp.Status, strings.TrimSpace(string(msg)))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return false, 0, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return true, retryAfter(resp.Header.Get("Retry-After")), err
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return true, 0, err
	}
	return false, 0, err
}

// retryAfter parses a Retry-After header in seconds (0 when absent or an
// HTTP date, which the backoff then replaces).
func retryAfter(h string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}
