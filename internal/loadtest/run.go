package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
)

// Config configures a run.
type Config struct {
	// Micromegas is the path of the micromegas binary (built once by the
	// caller).
	Micromegas string
	// EmitCommand runs one emitter process: the harness sets
	// EnvEmitURL and EnvEmitRate in its environment; the process calls
	// EmitMain.
	EmitCommand []string
	// Emitters is the number of instrumented processes (default 8).
	Emitters int
	// Rate is the events per second of each emitter (default 2000).
	Rate float64
	// Duration of the load (default 5 min); the checks come on top.
	Duration time.Duration
	// Faults injects the four faults during the load.
	Faults bool
	// S3Outage is how long SeaweedFS stays stopped (default 30 s).
	S3Outage time.Duration
	// WorkDir holds the data of every process (default: a temporary
	// folder, deleted at the end).
	WorkDir string
	// Log receives progress lines (default: discarded).
	Log io.Writer
}

// Environment of an emitter process.
const (
	EnvEmitURL  = "MICROMEGAS_LOADTEST_EMIT_URL"
	EnvEmitRate = "MICROMEGAS_LOADTEST_EMIT_RATE"
)

// EmitMain is the main of an emitter process: it emits to $EnvEmitURL at
// $EnvEmitRate events/s until SIGTERM or SIGINT, then prints its
// EmitReport on stdout.
func EmitMain() error {
	rate, err := strconv.ParseFloat(os.Getenv(EnvEmitRate), 64)
	if err != nil {
		return fmt.Errorf("%s: %w", EnvEmitRate, err)
	}
	ctx, stop := signalContext()
	defer stop()
	return Emit(ctx, EmitConfig{URL: os.Getenv(EnvEmitURL), Rate: rate}, os.Stdout)
}

// harness is a running topology.
type harness struct {
	cfg   Config
	log   func(format string, args ...any)
	dir   string
	pg    *pgCluster
	weed  *s3test.Server
	proxy *proxy
	nodes []*node // ingestion-1, ingestion-2, analytics-1, analytics-2, maintenance
	usage map[string]*usage

	queriers []*querier
	lagMu    sync.Mutex
	matLag   []time.Duration
	visLag   []time.Duration
}

func (h *harness) byRole(role string) []*node {
	var out []*node
	for _, n := range h.nodes {
		if n.role == role {
			out = append(out, n)
		}
	}
	return out
}

// Run starts the topology, runs the load with its faults and checks, and
// returns the report. The error is about the harness itself (a process
// that would not start); what the system did wrong is in the report
// (Report.OK).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Emitters <= 0 {
		cfg.Emitters = 8
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 2000
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Minute
	}
	if cfg.S3Outage <= 0 {
		cfg.S3Outage = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Micromegas == "" || len(cfg.EmitCommand) == 0 {
		return nil, errors.New("loadtest: the micromegas binary and the emitter command are required")
	}
	h := &harness{cfg: cfg, usage: map[string]*usage{}}
	start := time.Now()
	h.log = func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	h.dir = cfg.WorkDir
	if h.dir == "" {
		d, err := os.MkdirTemp("", "micromegas-loadtest-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		h.dir = d
	}
	if err := os.Chmod(h.dir, 0o755); err != nil {
		return nil, err
	}
	defer h.stopAll()
	if err := h.startTopology(ctx); err != nil {
		return nil, err
	}
	return h.run(ctx)
}

func (h *harness) startTopology(ctx context.Context) error {
	var err error
	h.log("starting PostgreSQL (initdb, pg_ctl)")
	if h.pg, err = startPostgres(ctx, h.dir); err != nil {
		return err
	}
	h.log("starting SeaweedFS")
	weedDir := filepath.Join(h.dir, "weed")
	if err := os.MkdirAll(weedDir, 0o755); err != nil {
		return err
	}
	if h.weed, err = s3test.Run(weedDir); err != nil {
		return err
	}
	env := os.Environ()
	for k, v := range s3test.Env() {
		env = append(env, k+"="+v)
	}
	env = append(env, "MICROMEGAS_TELEMETRY_URL=") // nodes do not trace themselves here
	for _, spec := range []struct{ name, role string }{
		{"ingestion-1", "ingestion"}, {"ingestion-2", "ingestion"},
		{"analytics-1", "analytics"}, {"analytics-2", "analytics"}, {"maintenance", "maintenance"},
	} {
		dir := filepath.Join(h.dir, spec.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if h.usage[spec.role] == nil {
			h.usage[spec.role] = newUsage()
		}
		n := &node{name: spec.name, role: spec.role, bin: h.cfg.Micromegas, env: env, dir: dir, usage: h.usage[spec.role],
			args: []string{"--roles", spec.role, "--data-dir", dir, "--sql", h.pg.URL(), "--object-store", h.weed.URI(s3test.Bucket),
				"--ingestion-addr", "127.0.0.1:0", "--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0",
				"--health-addr", "127.0.0.1:0", "--log-level", "warn", "--query-memory", "1GB"}}
		h.log("starting %s", spec.name)
		if err := n.start(); err != nil {
			return err
		}
		h.nodes = append(h.nodes, n)
	}
	if h.proxy, err = newProxy(); err != nil {
		return err
	}
	h.updateBackends()
	return nil
}

// updateBackends points the proxy at the ingestion nodes that run.
func (h *harness) updateBackends() {
	var urls []string
	for _, n := range h.byRole("ingestion") {
		if a := n.addr("ingestion"); a != "" {
			urls = append(urls, a)
		}
	}
	h.proxy.setBackends(urls)
}

func (h *harness) stopAll() {
	if h.proxy != nil {
		h.proxy.close()
	}
	for _, n := range h.nodes {
		n.stop()
	}
	if h.weed != nil {
		h.weed.Stop()
	}
	if h.pg != nil {
		if err := h.pg.Stop(); err != nil {
			h.log("%v", err)
		}
	}
}

// emitter is a running emitter process.
type emitter struct {
	cmd    *exec.Cmd
	report chan EmitReport
}

func (h *harness) startEmitter() (*emitter, error) {
	cmd := exec.Command(h.cfg.EmitCommand[0], h.cfg.EmitCommand[1:]...)
	cmd.Env = append(os.Environ(), EnvEmitURL+"="+h.proxy.URL(), EnvEmitRate+"="+strconv.FormatFloat(h.cfg.Rate, 'f', -1, 64))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emitter: %w", err)
	}
	e := &emitter{cmd: cmd, report: make(chan EmitReport, 1)}
	go func() {
		var rep EmitReport
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			json.Unmarshal(sc.Bytes(), &rep)
		}
		cmd.Wait()
		e.report <- rep
	}()
	return e, nil
}

// analyticsAddr returns the FlightSQL address of an analytics node that
// runs.
func (h *harness) analyticsAddr() string {
	for _, n := range h.byRole("analytics") {
		if a := n.addr("flightsql"); a != "" {
			return a
		}
	}
	return ""
}

// sampleLag records the materialization and visibility lags every 2 s.
func (h *harness) sampleLag(ctx context.Context) {
	for ctx.Err() == nil {
		if addr := h.analyticsAddr(); addr != "" {
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if l, err := h.materializationLag(qctx, addr); err == nil {
				h.lagMu.Lock()
				h.matLag = append(h.matLag, l)
				h.lagMu.Unlock()
			}
			if v, err := queryInt(qctx, addr, `SELECT CAST(epoch_ms(now()) - epoch_ms(max(time)) AS BIGINT) FROM log_entries
				WHERE starts_with(target, '`+LogTarget+`') AND time > now() - INTERVAL 1 MINUTE`); err == nil && v > 0 {
				h.lagMu.Lock()
				h.visLag = append(h.visLag, time.Duration(v)*time.Millisecond)
				h.lagMu.Unlock()
			}
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// materializationLag is now − the end of the last global log_entries
// partition.
func (h *harness) materializationLag(ctx context.Context, addr string) (time.Duration, error) {
	v, err := queryInt(ctx, addr, `SELECT CAST(epoch_ms(now()) - epoch_ms(max(end_insert_time)) AS BIGINT)
		FROM list_partitions() WHERE view_set_name = 'log_entries' AND view_instance_id = 'global'`)
	return time.Duration(v) * time.Millisecond, err
}

func (h *harness) run(ctx context.Context) (*Report, error) {
	rep := &Report{Emitters: h.cfg.Emitters, RatePerEmitter: h.cfg.Rate, Queries: map[string]QueryFigures{}, Roles: map[string]RoleFigures{}}
	h.log("starting %d emitters at %.0f events/s each", h.cfg.Emitters, h.cfg.Rate)
	var emitters []*emitter
	for range h.cfg.Emitters {
		e, err := h.startEmitter()
		if err != nil {
			return nil, err
		}
		emitters = append(emitters, e)
	}
	loadStart := time.Now()
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, n := range h.byRole("analytics") {
		q := &querier{node: n, latency: map[string][]time.Duration{}}
		h.queriers = append(h.queriers, q)
		wg.Go(func() { q.run(bg) })
	}
	wg.Go(func() { h.sampleLag(bg) })

	if h.cfg.Faults {
		rep.Faults = h.injectFaults(ctx, loadStart)
	}
	if wait := time.Until(loadStart.Add(h.cfg.Duration)); wait > 0 {
		h.log("load until %.0f s", h.cfg.Duration.Seconds())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	h.log("stopping the emitters (they flush)")
	var reports []EmitReport
	for _, e := range emitters {
		e.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, e := range emitters {
		reports = append(reports, <-e.report)
	}
	rep.LoadSeconds = time.Since(loadStart).Seconds()
	time.Sleep(2 * time.Second) // requests in flight through the proxy
	h.log("final check, once the daemon has materialized everything")
	if newest, err := h.newestLogBlock(ctx); err != nil {
		h.log("newest block: %v", err)
	} else if _, err := h.waitMaterialized(ctx, newest); err != nil {
		h.log("%v", err)
	}
	rep.Final = h.settleAndCheck(ctx, "final")
	stopBG()
	wg.Wait()
	h.fillReport(ctx, rep, reports)
	return rep, nil
}

// settleAndCheck checks the blocks acknowledged so far against the
// views (partitions and the tail of blocks newer than them).
func (h *harness) settleAndCheck(ctx context.Context, label string) Check {
	at := time.Now()
	acked := h.proxy.ackedBefore(at)
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	c := checkExactlyOnce(cctx, h.analyticsAddr(), label, at, acked)
	h.log("%s", c)
	return c
}

// newestLogBlock is the insert time of the newest log block: once the
// senders stopped, the daemon writes no partition past it (it skips
// empty slices).
func (h *harness) newestLogBlock(ctx context.Context) (time.Time, error) {
	qctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ms, err := queryInt(qctx, h.analyticsAddr(), `SELECT CAST(epoch_ms(max(insert_time)) AS BIGINT) FROM blocks
		WHERE list_contains("streams.tags", 'log')`)
	return time.UnixMilli(ms + 1), err
}

// catchUpTimeout bounds the wait for the daemon after a fault.
const catchUpTimeout = 2 * time.Minute

// waitMaterialized waits until the daemon's global log_entries
// partitions reach t (the daemon caught up with everything inserted
// before t) and returns how long it took.
func (h *harness) waitMaterialized(ctx context.Context, t time.Time) (time.Duration, error) {
	start := time.Now()
	var lastErr error
	for time.Since(start) < catchUpTimeout && ctx.Err() == nil {
		if addr := h.analyticsAddr(); addr != "" {
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			end, err := queryInt(qctx, addr, `SELECT CAST(epoch_ms(max(end_insert_time)) AS BIGINT)
				FROM list_partitions() WHERE view_set_name = 'log_entries' AND view_instance_id = 'global'`)
			cancel()
			if err == nil && end >= t.UnixMilli() {
				return time.Since(start), nil
			}
			lastErr = err
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	return time.Since(start), fmt.Errorf("the daemon's partitions did not reach %s within %s (last error: %v)",
		t.Format(time.RFC3339), catchUpTimeout, lastErr)
}

func (h *harness) fillReport(ctx context.Context, rep *Report, reports []EmitReport) {
	lat, blocks, events, _ := h.proxy.stats()
	rep.BlocksAcked, rep.EventsAcked = blocks, events
	rep.EventsPerSecond = float64(events) / rep.LoadSeconds
	rep.IngestP50, rep.IngestP99 = ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99))
	h.lagMu.Lock()
	rep.MaterializationLagP50, rep.MaterializationLagP99 = ms(percentile(h.matLag, 0.5)), ms(percentile(h.matLag, 0.99))
	rep.VisibilityLagP50, rep.VisibilityLagP99 = ms(percentile(h.visLag, 0.5)), ms(percentile(h.visLag, 0.99))
	h.lagMu.Unlock()
	all := map[string][]time.Duration{}
	for _, q := range h.queriers {
		q.mu.Lock()
		for name, l := range q.latency {
			all[name] = append(all[name], l...)
		}
		rep.QueryErrors += len(q.errs)
		q.mu.Unlock()
	}
	for name, l := range all {
		rep.Queries[name] = QueryFigures{Count: len(l), P50: ms(percentile(l, 0.5)), P99: ms(percentile(l, 0.99))}
	}
	// What the catalog holds per emitter process, against what each
	// emitter encoded and counted as dropped.
	addr := h.analyticsAddr()
	qctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	stored := map[string][2]int64{} // process → blocks, events
	if rows, err := queryRows(qctx, addr, `SELECT process_id, count(*), sum(nb_objects) FROM blocks GROUP BY process_id`, client.TimeRange{}); err == nil {
		for _, r := range rows {
			b, _ := strconv.ParseInt(r[1], 10, 64)
			e, _ := strconv.ParseInt(r[2], 10, 64)
			stored[r[0]] = [2]int64{b, e}
		}
	} else {
		h.log("stored blocks: %v", err)
	}
	for _, r := range reports {
		rep.EventsEmitted += r.Events
		rep.EventsRecorded += int64(r.Stats.EventsEncoded + r.Stats.EventsLost)
		s := stored[r.ProcessID]
		rep.EventsStored += s[1]
		dropped := r.Stats.Dropped()
		rep.BlocksDropped += dropped
		if missing := int64(r.Stats.BlocksEncoded) - s[0]; missing > int64(dropped) {
			rep.BlocksUnaccounted += missing - int64(dropped)
		}
	}
	rep.EventsDropped = rep.EventsRecorded - rep.EventsStored
	if v, err := queryInt(qctx, addr, `SELECT CAST(sum(payload_size) AS BIGINT) FROM blocks`); err == nil {
		rep.RawBytes = v
	}
	if v, err := queryInt(qctx, addr, `SELECT CAST(sum(file_size) AS BIGINT) FROM list_partitions() WHERE view_instance_id = 'global'`); err == nil {
		rep.ParquetBytes = v
	}
	for role, u := range h.usage {
		cpu, rss := u.totals()
		rep.Roles[role] = RoleFigures{Nodes: len(h.byRole(role)), CPUSeconds: cpu.Seconds(), PeakRSSMiB: float64(rss) / (1 << 20)}
	}
}
