package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// PeerConfig configures the side-by-side log benchmark.
type PeerConfig struct {
	// Micromegas and VictoriaLogs are the two servers' binaries.
	Micromegas, VictoriaLogs string
	// Processes and Lines make the log set (default 8 and 2,000,000),
	// spread over the last day.
	Processes, Lines int
	// Runs is how many times each query runs after a warm-up (default 5);
	// the median is reported.
	Runs int
	// WorkDir holds both servers' data (default: a temporary folder).
	WorkDir string
	Log     io.Writer
}

// PeerReport compares the two systems on the same log set.
type PeerReport struct {
	Lines  int        `json:"lines"`
	Ours   PeerFigure `json:"micromegas"`
	Theirs PeerFigure `json:"victorialogs"`
}

// PeerFigure is what one system measured.
type PeerFigure struct {
	Name string `json:"name"`
	// IngestSeconds is the wall time to send every line (4 concurrent
	// senders); IngestCPUSeconds the server's CPU time meanwhile.
	IngestSeconds     float64 `json:"ingest_seconds"`
	IngestCPUSeconds  float64 `json:"ingest_cpu_seconds"`
	LinesPerCPUSecond float64 `json:"lines_per_cpu_second"`
	// BackgroundCPUSeconds is what the system spent after ingestion to
	// make the data queryable at full speed (our daemon's
	// materialization and compaction; their final flush).
	BackgroundCPUSeconds float64 `json:"background_cpu_seconds"`
	// Bytes on disk, in total and per part.
	BytesOnDisk  int64            `json:"bytes_on_disk"`
	BytesPerLine float64          `json:"bytes_per_line"`
	DiskParts    map[string]int64 `json:"disk_parts"`
	PeakRSSMiB   float64          `json:"peak_rss_mib"`
	// Queries are the median latencies; Answers the first cell of each
	// answer (a count), to show both answered the same.
	Queries map[string]Millis `json:"query_median_ms"`
	Answers map[string]string `json:"answers"`
}

// peerQuery is one question asked to both systems.
type peerQuery struct {
	name, sql, logsQL string
}

var peerQueries = []peerQuery{
	{"count_by_level_day",
		`SELECT level, count(*) AS n FROM log_entries WHERE time > now() - INTERVAL 1 DAY GROUP BY level ORDER BY level`,
		`_time:1d | stats by (level) count() n | sort by (level)`},
	{"substring_count",
		`SELECT count(*) AS n FROM log_entries WHERE time > now() - INTERVAL 1 DAY AND msg LIKE '%served in 42%'`,
		`_time:1d ~"served in 42" | stats count() n`},
	{"per_minute_histogram",
		`SELECT date_trunc('minute', time) AS minute, count(*) AS n FROM log_entries WHERE time > now() - INTERVAL 1 DAY GROUP BY 1 ORDER BY 1`,
		`_time:1d | stats by (_time:1m) count() n | sort by (_time)`},
	{"latest_100_matches",
		`SELECT time, target, msg FROM log_entries WHERE time > now() - INTERVAL 1 DAY AND msg LIKE '%slow query%' ORDER BY time DESC LIMIT 100`,
		`_time:1d ~"slow query" | sort by (_time desc) | limit 100`},
}

// ingestWorkers is the number of concurrent senders on both sides.
const ingestWorkers = 4

// linesPerBlock is the lines of one request on both sides.
const linesPerBlock = 1000

// RunPeer ingests the same log set into Micromegas and into VictoriaLogs,
// one after the other on this machine, and asks both the same questions.
func RunPeer(ctx context.Context, cfg PeerConfig) (*PeerReport, error) {
	if cfg.Processes <= 0 {
		cfg.Processes = 8
	}
	if cfg.Lines <= 0 {
		cfg.Lines = 2_000_000
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 5
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	dir := cfg.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "micromegas-peer-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	set := logSet{procs: cfg.Processes, perProc: cfg.Lines / cfg.Processes, end: time.Now().UTC()}
	rep := &PeerReport{Lines: set.procs * set.perProc}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }
	var err error
	logf("victoria-logs: ingesting %d lines", rep.Lines)
	if rep.Theirs, err = runVictoriaLogs(ctx, cfg, set, filepath.Join(dir, "victorialogs"), logf); err != nil {
		return nil, fmt.Errorf("victoria-logs: %w", err)
	}
	logf("micromegas: ingesting %d lines", rep.Lines)
	if rep.Ours, err = runOurs(ctx, cfg, set, dir, logf); err != nil {
		return nil, fmt.Errorf("micromegas: %w", err)
	}
	for _, f := range []*PeerFigure{&rep.Ours, &rep.Theirs} {
		f.BytesPerLine = float64(f.BytesOnDisk) / float64(rep.Lines)
		f.LinesPerCPUSecond = float64(rep.Lines) / f.IngestCPUSeconds
	}
	return rep, nil
}

// sendAll runs send on every batch with ingestWorkers goroutines.
func sendAll(ctx context.Context, batches [][]byte, send func(ctx context.Context, body []byte) error) error {
	ch := make(chan []byte)
	errs := make(chan error, ingestWorkers)
	var wg sync.WaitGroup
	for range ingestWorkers {
		wg.Go(func() {
			for b := range ch {
				if err := send(ctx, b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, b := range batches {
		select {
		case ch <- b:
		case err := <-errs:
			close(ch)
			wg.Wait()
			return err
		}
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func post(ctx context.Context, url, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// duBytes is the size of the files under dir, by first-level folder.
func duBytes(dir string) (int64, map[string]int64) {
	parts := map[string]int64{}
	var total int64
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		parts[top] += info.Size()
		total += info.Size()
		return nil
	})
	return total, parts
}

// median times run, after a warm-up, cfg.Runs times.
func median(runs int, run func() (string, error)) (Millis, string, error) {
	if _, err := run(); err != nil {
		return 0, "", err
	}
	var d []time.Duration
	var answer string
	for range runs {
		start := time.Now()
		a, err := run()
		if err != nil {
			return 0, "", err
		}
		d = append(d, time.Since(start))
		answer = a
	}
	return ms(percentile(d, 0.5)), answer, nil
}

// runVictoriaLogs starts victoria-logs, sends the log set as JSON lines,
// flushes, measures the disk and runs the queries.
func runVictoriaLogs(ctx context.Context, cfg PeerConfig, set logSet, dir string, logf func(string, ...any)) (PeerFigure, error) {
	f := PeerFigure{Name: "VictoriaLogs v1.52.1", Queries: map[string]Millis{}, Answers: map[string]string{}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return f, err
	}
	port, err := freePort()
	if err != nil {
		return f, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(cfg.VictoriaLogs, "-storageDataPath="+filepath.Join(dir, "data"), "-httpListenAddr=127.0.0.1:"+strconv.Itoa(port),
		"-retentionPeriod=10y", "-loggerLevel=WARN")
	logFile, err := os.Create(filepath.Join(dir, "victoria-logs.log"))
	if err != nil {
		return f, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return f, err
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	if err := waitHTTP(ctx, base+"/health"); err != nil {
		return f, err
	}
	var batches [][]byte
	for p := range set.procs {
		lines := set.lines(p)
		for i := 0; i < len(lines); i += linesPerBlock {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			for _, l := range lines[i:min(i+linesPerBlock, len(lines))] {
				enc.Encode(map[string]string{"_time": l.t.Format(time.RFC3339Nano), "_msg": l.msg,
					"level": levelNames[l.level], "target": l.target, "process": "proc-" + strconv.Itoa(l.proc)})
			}
			batches = append(batches, b.Bytes())
		}
	}
	pid := cmd.Process.Pid
	cpu0, _, _ := procUsage(pid)
	start := time.Now()
	insert := base + "/insert/jsonline?_stream_fields=process,target&_time_field=_time&_msg_field=_msg"
	if err := sendAll(ctx, batches, func(ctx context.Context, body []byte) error {
		return post(ctx, insert, "application/stream+json", body)
	}); err != nil {
		return f, err
	}
	f.IngestSeconds = time.Since(start).Seconds()
	cpu1, _, _ := procUsage(pid)
	f.IngestCPUSeconds = (cpu1 - cpu0).Seconds()
	if err := getOK(ctx, base+"/internal/force_flush"); err != nil {
		return f, fmt.Errorf("force flush: %w", err)
	}
	time.Sleep(3 * time.Second)
	cpu2, _, _ := procUsage(pid)
	f.BackgroundCPUSeconds = (cpu2 - cpu1).Seconds()
	logf("victoria-logs: %d lines in %.1f s, %.1f CPU-s", set.procs*set.perProc, f.IngestSeconds, f.IngestCPUSeconds)
	for _, q := range peerQueries {
		m, answer, err := median(cfg.Runs, func() (string, error) { return logsQL(ctx, base, q.logsQL) })
		if err != nil {
			return f, fmt.Errorf("%s: %w", q.name, err)
		}
		f.Queries[q.name], f.Answers[q.name] = m, answer
	}
	_, rss, _ := procUsage(pid)
	f.PeakRSSMiB = float64(rss) / (1 << 20)
	// What is on disk once it stopped (it writes what it holds in memory).
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	f.BytesOnDisk, f.DiskParts = duBytes(filepath.Join(dir, "data"))
	return f, nil
}

// logsQL runs a LogsQL query and returns its number of result lines and
// its first line.
func logsQL(ctx context.Context, base, query string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/select/logsql/query", strings.NewReader(url.Values{"query": {query}}.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	return fmt.Sprintf("%d rows; first %s", len(lines), lines[0]), nil
}

func waitHTTP(ctx context.Context, url string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if err := getOK(ctx, url); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runOurs runs an ingestion+analytics node and, once the lines are in, a
// maintenance node, over a throwaway PostgreSQL and a local folder.
func runOurs(ctx context.Context, cfg PeerConfig, set logSet, dir string, logf func(string, ...any)) (PeerFigure, error) {
	f := PeerFigure{Name: "Micromegas-Go", Queries: map[string]Millis{}, Answers: map[string]string{}}
	pg, err := startPostgres(ctx, dir)
	if err != nil {
		return f, err
	}
	defer pg.Stop()
	objects := filepath.Join(dir, "objects")
	if err := os.MkdirAll(objects, 0o755); err != nil {
		return f, err
	}
	start := func(name, roles string) (*node, error) {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		n := &node{name: name, role: roles, bin: cfg.Micromegas, dir: d, usage: newUsage(),
			env: append(os.Environ(), "MICROMEGAS_TELEMETRY_URL="),
			args: []string{"--roles", roles, "--data-dir", d, "--sql", pg.URL(), "--object-store", "file://" + objects,
				"--ingestion-addr", "127.0.0.1:0", "--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0",
				"--health-addr", "127.0.0.1:0", "--log-level", "warn"}}
		return n, n.start()
	}
	front, err := start("front", "ingestion")
	if err != nil {
		return f, err
	}
	defer front.stop()
	// The bodies are made before the clock starts.
	var bodies [][]byte
	var meta [][]byte
	for p := range set.procs {
		procBody, streamBody, blocks, err := oursBodies(set, p)
		if err != nil {
			return f, err
		}
		meta = append(meta, procBody, streamBody)
		bodies = append(bodies, blocks...)
	}
	ing := front.addr("ingestion")
	for i, m := range meta {
		path := "/ingestion/insert_process"
		if i%2 == 1 {
			path = "/ingestion/insert_stream"
		}
		if err := post(ctx, ing+path, "application/cbor", m); err != nil {
			return f, err
		}
	}
	dbBefore, err := pg.databaseSize(ctx)
	if err != nil {
		return f, err
	}
	cpu0, _, _ := procUsage(front.pid())
	t0 := time.Now()
	if err := sendAll(ctx, bodies, func(ctx context.Context, body []byte) error {
		return post(ctx, ing+"/ingestion/insert_block", "application/cbor", body)
	}); err != nil {
		return f, err
	}
	f.IngestSeconds = time.Since(t0).Seconds()
	cpu1, ingestRSS, _ := procUsage(front.pid())
	f.IngestCPUSeconds = (cpu1 - cpu0).Seconds()
	logf("micromegas: %d lines in %.1f s, %.1f CPU-s of the ingestion node", set.procs*set.perProc, f.IngestSeconds, f.IngestCPUSeconds)

	// The daemon materializes the day (seconds, then the minute
	// compaction) and the analytics node answers.
	analytics, err := start("analytics", "analytics")
	if err != nil {
		return f, err
	}
	defer analytics.stop()
	daemon, err := start("daemon", "maintenance")
	if err != nil {
		return f, err
	}
	defer daemon.stop()
	fsql := analytics.addr("flightsql")
	want := int64(set.procs * set.perProc)
	compacted := time.Now().Truncate(time.Minute).Add(2*time.Minute + 40*time.Second)
	for {
		rows, err := queryInt(ctx, fsql, `SELECT CAST(coalesce(sum(num_rows), 0) AS BIGINT) FROM list_partitions()
			WHERE view_set_name = 'log_entries' AND view_instance_id = 'global'`)
		if err != nil {
			return f, err
		}
		if rows == want && time.Now().After(compacted) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	bg, daemonRSS, _ := procUsage(daemon.pid())
	f.BackgroundCPUSeconds = bg.Seconds()
	f.PeakRSSMiB = float64(max(ingestRSS, daemonRSS)) / (1 << 20)
	// Raw blocks, the live Parquet files of the global views (files of
	// replaced partitions wait an hour before deletion: not counted), and
	// what the catalog grew by.
	_, parts := duBytes(objects)
	f.DiskParts = map[string]int64{"blobs": parts["blobs"]}
	rows, err := queryRows(ctx, fsql, `SELECT view_set_name, CAST(sum(file_size) AS BIGINT) FROM list_partitions()
		WHERE view_instance_id = 'global' GROUP BY 1`, client.TimeRange{})
	if err != nil {
		return f, err
	}
	for _, r := range rows {
		n, _ := strconv.ParseInt(r[1], 10, 64)
		f.DiskParts["parquet "+r[0]] = n
	}
	if size, err := pg.databaseSize(ctx); err == nil {
		f.DiskParts["postgresql (growth)"] = size - dbBefore
	}
	for _, n := range f.DiskParts {
		f.BytesOnDisk += n
	}
	logf("micromegas: materialized with %.1f CPU-s of the daemon, %d bytes", f.BackgroundCPUSeconds, f.BytesOnDisk)
	c, err := client.Dial(ctx, fsql)
	if err != nil {
		return f, err
	}
	defer c.Close()
	for _, q := range peerQueries {
		m, answer, err := median(cfg.Runs, func() (string, error) {
			rows, err := rowsOf(ctx, c, q.sql, client.Last(25*time.Hour))
			if err != nil {
				return "", err
			}
			if len(rows) == 0 {
				return "0 rows", nil
			}
			return fmt.Sprintf("%d rows; first %v", len(rows), rows[0]), nil
		})
		if err != nil {
			return f, fmt.Errorf("%s: %w", q.name, err)
		}
		f.Queries[q.name], f.Answers[q.name] = m, answer
	}
	return f, nil
}

// oursBodies encodes process p of the set as insert_process,
// insert_stream and insert_block bodies of linesPerBlock lines.
func oursBodies(set logSet, p int) (proc, stream []byte, blocks [][]byte, err error) {
	lines := set.lines(p)
	start := set.end.Add(-24 * time.Hour).Add(-time.Minute)
	pid, sid := transit.UUID(uuid.NewString()), transit.UUID(uuid.NewString())
	proc, err = transit.Encode(transit.ProcessInfo{ProcessID: pid, Exe: "/usr/bin/peer-app", Username: "bench", Realname: "bench",
		Computer: "host-" + strconv.Itoa(p), Distro: "linux", CPUBrand: "generated", TSCFrequency: 1_000_000_000,
		StartTime: transit.Time{Time: start}, StartTicks: 0, Properties: map[string]string{"process": "proc-" + strconv.Itoa(p)}})
	if err != nil {
		return nil, nil, nil, err
	}
	stream, err = transit.Encode(transit.StreamInfo{ProcessID: pid, StreamID: sid, DependenciesMetadata: lakehousetest.DepUDTs(),
		ObjectsMetadata: lakehousetest.LogUDTs(), Tags: []string{"log"}, Properties: map[string]string{}})
	if err != nil {
		return nil, nil, nil, err
	}
	sites := map[[2]any]*lakehousetest.LogSite{}
	ticks := func(t time.Time) int64 { return t.Sub(start).Nanoseconds() }
	var offset int64
	for i := 0; i < len(lines); i += linesPerBlock {
		chunk := lines[i:min(i+linesPerBlock, len(lines))]
		blk := lakehousetest.NewBlock()
		for _, l := range chunk {
			key := [2]any{l.target, l.level}
			site := sites[key]
			if site == nil {
				site = &lakehousetest.LogSite{Fmt: "{}", Target: l.target, Module: l.target, File: "main.rs", Line: 1, Level: uint32(l.level)}
				sites[key] = site
			}
			blk.LogString(site, ticks(l.t), l.msg)
		}
		payload, err := blk.TransitPayload()
		if err != nil {
			return nil, nil, nil, err
		}
		body, err := transit.Encode(transit.Block{BlockID: transit.UUID(uuid.NewString()), StreamID: sid, ProcessID: pid,
			BeginTime: transit.Time{Time: chunk[0].t}, BeginTicks: ticks(chunk[0].t),
			EndTime: transit.Time{Time: chunk[len(chunk)-1].t}, EndTicks: ticks(chunk[len(chunk)-1].t),
			Payload: payload, ObjectOffset: offset, NbObjects: int32(len(chunk))})
		if err != nil {
			return nil, nil, nil, err
		}
		offset += int64(len(chunk))
		blocks = append(blocks, body)
	}
	return proc, stream, blocks, nil
}

// Write prints the comparison as a table.
func (r *PeerReport) Write(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d log lines over one day; %d concurrent senders of %d lines per request\n", r.Lines, ingestWorkers, linesPerBlock)
	fmt.Fprintf(&b, "%-30s %20s %20s\n", "", r.Ours.Name, r.Theirs.Name)
	row := func(name, format string, a, c float64) {
		fmt.Fprintf(&b, "%-30s %20s %20s\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, c))
	}
	row("ingest wall time (s)", "%.1f", r.Ours.IngestSeconds, r.Theirs.IngestSeconds)
	row("ingest CPU (s)", "%.1f", r.Ours.IngestCPUSeconds, r.Theirs.IngestCPUSeconds)
	row("lines per CPU-second", "%.0f", r.Ours.LinesPerCPUSecond, r.Theirs.LinesPerCPUSecond)
	row("background CPU after (s)", "%.1f", r.Ours.BackgroundCPUSeconds, r.Theirs.BackgroundCPUSeconds)
	row("bytes on disk per line", "%.1f", r.Ours.BytesPerLine, r.Theirs.BytesPerLine)
	row("peak RSS (MiB)", "%.0f", r.Ours.PeakRSSMiB, r.Theirs.PeakRSSMiB)
	for _, q := range peerQueries {
		row(q.name+" (ms)", "%.1f", float64(r.Ours.Queries[q.name]), float64(r.Theirs.Queries[q.name]))
	}
	for _, f := range []PeerFigure{r.Ours, r.Theirs} {
		fmt.Fprintf(&b, "%s disk: %v\n", f.Name, f.DiskParts)
		for _, q := range peerQueries {
			fmt.Fprintf(&b, "%s %s: %s\n", f.Name, q.name, f.Answers[q.name])
		}
	}
	io.WriteString(w, b.String())
}
