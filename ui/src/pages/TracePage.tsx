import "../trace/trace.css";
import { useEffect, useMemo } from "preact/hooks";
import type { PageProps } from "../app";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { useLoad } from "../hooks";
import { levelName } from "../levels";
import { resolveRange, type Range } from "../range";
import { setParams, useRoute } from "../router";
import { formatDuration, formatLogTime, formatTime } from "../time";
import { basename } from "./ProcessesPage";
import { loadAsyncSpans, loadExes, processesParam, traceProcesses } from "../trace/async";
import { loadLogs, loadSpans, MAX_LOGS, MAX_SPANS, type Span, type TraceLog } from "../trace/queries";
import { SpanDetails } from "../trace/SpanDetails";
import { TraceIdBox } from "../trace/TraceIdBox";
import { buildTree, normalizeTraceId, serviceColors } from "../trace/tree";
import { Waterfall } from "../trace/Waterfall";

const SHOWN_LOGS = 1000;

/** TracePage shows one trace: the waterfall of its spans across services (OpenTelemetry spans and our
 * library's async spans of the processes it knows), and its log lines. */
export function TracePage({ traceId: raw, tick, now, setPageRange }: PageProps & { traceId: string }) {
  const { params } = useRoute();
  const traceId = normalizeTraceId(raw);
  const spans = useLoad(
    (signal) => (traceId ? loadSpans(traceId, signal) : Promise.resolve([] as Span[])),
    [traceId, tick],
  );
  const tree = useMemo(() => (spans.data ? buildTree(spans.data.slice(0, MAX_SPANS)) : null), [spans.data]);
  // The range of the log lines: the trace's, widened for clocks that disagree; without spans, the URL's.
  const extent = useMemo(() => {
    if (!tree || tree.rows.length === 0) return undefined;
    const pad = Math.max((tree.end - tree.begin) * 0.05, 1000);
    return {
      beginMs: tree.begin - pad,
      endMs: tree.end + pad,
      label: `Trace (${formatDuration((tree.end - tree.begin) * 1e6)})`,
    };
  }, [tree]);
  const range: Range | null = useMemo(() => {
    if (!tree) return null;
    if (extent) return { from: "", to: "", ...extent, live: false, tick, explicit: false };
    const r = resolveRange(params, tick, now);
    return "error" in r ? null : r;
  }, [tree, extent, params.get("from"), params.get("to"), tick, now]);
  useEffect(() => {
    setPageRange(range);
    return () => setPageRange(null);
  }, [range?.beginMs, range?.endMs, range?.label]);
  const logs = useLoad(
    (signal) =>
      traceId && range ? loadLogs(traceId, range.beginMs, range.endMs, signal) : Promise.resolve(undefined),
    [traceId, range?.beginMs, range?.endMs, tick],
  );
  // The processes whose async spans are read: the URL's ?process=, then those of the spans and log lines.
  const urlPids = processesParam(params);
  const logsDone = logs.data !== undefined || logs.error !== undefined;
  const procs = useMemo(() => {
    if (!spans.data || !logsDone) return null;
    const seen = [...spans.data, ...(logs.data ?? [])];
    const exes = new Map<string, string>();
    for (const x of seen) if (x.exe && !exes.has(x.processId)) exes.set(x.processId, x.exe);
    const { pids, dropped } = traceProcesses(
      urlPids,
      seen.map((x) => x.processId),
    );
    return { pids, dropped, exes };
  }, [spans.data, logs.data, logsDone, urlPids.join(",")]);
  const asyncSpans = useLoad(
    async (signal) => {
      if (!traceId || !range || !procs || procs.pids.length === 0)
        return procs ? { spans: [], failed: [] } : undefined;
      const unknown = procs.pids.filter((p) => !procs.exes.has(p));
      const more = await loadExes(unknown, range.beginMs, range.endMs, signal);
      const list = procs.pids.map((pid) => {
        const exe = procs.exes.get(pid) ?? more.get(pid) ?? "";
        return { pid, exe, service: exe ? basename(exe) : pid.slice(0, 8) };
      });
      return loadAsyncSpans(traceId, list, range.beginMs, range.endMs, signal);
    },
    [traceId, range?.beginMs, range?.endMs, procs, tick],
  );
  // The waterfall: OpenTelemetry spans and async spans, parented through their OpenTelemetry ids.
  const all = useMemo(() => {
    if (!tree || !asyncSpans.data || asyncSpans.data.spans.length === 0) return tree;
    return buildTree([...(spans.data ?? []).slice(0, MAX_SPANS), ...asyncSpans.data.spans]);
  }, [tree, asyncSpans.data]);
  const allColors = useMemo(() => serviceColors((all?.rows ?? []).map((r) => r.span.service)), [all]);
  const selectedId = params.get("span");
  const selected = useMemo(
    () => (selectedId ? (all?.rows.find((r) => r.span.spanId === selectedId)?.span ?? null) : null),
    [selectedId, all],
  );
  const select = (id: string | null) => setParams({ span: id }, true);

  const head = (
    <div class="page-head">
      <h1>Trace</h1>
      <span class="mono muted" data-testid="trace-id">
        {traceId ?? raw}
      </span>
      <TraceIdBox />
    </div>
  );
  if (!traceId)
    return (
      <section class="page trace">
        {head}
        <div class="error" role="alert">
          <b>"{raw}" is not a trace id</b>
          <p>A trace id is 32 hexadecimal digits, as in a W3C traceparent header or otel_spans.trace_id.</p>
        </div>
      </section>
    );
  if (spans.error !== undefined)
    return (
      <section class="page trace">
        {head}
        <ErrorBox error={spans.error} what="the spans of the trace" />
      </section>
    );
  if (!tree || !all)
    return (
      <section class="page trace">
        {head}
        <div class="loading">Loading…</div>
      </section>
    );
  const services = [...allColors.entries()];
  const errors = all.rows.filter((r) => r.span.statusCode === "error").length;
  const processes = new Set(all.rows.map((r) => r.span.processId)).size;
  const logList = logs.data ?? [];
  const asyncCount = asyncSpans.data?.spans.length ?? 0;
  const asyncNote = (
    <>
      {asyncSpans.loading && (
        <div class="muted small" data-testid="trace-async-loading">
          Reading the async spans of {procs?.pids.length ?? 0} processes…
        </div>
      )}
      {asyncSpans.error !== undefined && (
        <ErrorBox error={asyncSpans.error} what="the async spans of the trace's processes" />
      )}
      {asyncSpans.data?.failed.map((f) => (
        <div class="muted small" key={f.pid} data-testid="trace-async-failed">
          The async spans of process <span class="mono">{f.pid}</span> could not be read: {f.error}
        </div>
      ))}
      {procs && procs.dropped > 0 && (
        <div class="muted small">
          The async spans of {procs.dropped} more {procs.dropped === 1 ? "process are" : "processes are"} not
          read (at most {procs.pids.length} processes).
        </div>
      )}
    </>
  );
  return (
    <section class="page trace">
      {head}
      {asyncNote}
      {all.rows.length === 0 ? (
        <Empty>
          <span data-testid="trace-unknown">
            No span of trace <span class="mono">{traceId}</span> was received.
          </span>{" "}
          {asyncSpans.data && (
            <span data-testid="trace-no-async">
              No async span of our library carries it either in{" "}
              {procs && procs.pids.length > 0
                ? `the ${procs.pids.length} processes read`
                : "any process known to the trace"}
              : add <span class="mono">?process=&lt;process_id&gt;</span> to the address (repeatable or
              comma-separated) to read the async spans of a process instrumented with telemetry/httptrace or
              grpctrace.{" "}
            </span>
          )}
          Check that the id is complete, that the services of the trace export their spans to this server
          (OTLP/HTTP on the ingestion address, <span class="mono">/v1/traces</span>, or OTLP/gRPC), that the
          SDK has flushed them (batch exporters send every few seconds) and that the trace is younger than the
          retention period.
          {logList.length > 0
            ? " The log lines below carry its id."
            : ` No log line in ${range?.label.toLowerCase() ?? "the range"} carries it either: widen the time range to look further back.`}
        </Empty>
      ) : (
        <>
          <div class="trace-summary" data-testid="trace-summary">
            <span>
              <b>{all.rows.length.toLocaleString("en-US")}</b> spans
              {asyncCount > 0 && <span data-testid="trace-async-count"> ({asyncCount} async)</span>}
            </span>
            <span>
              <b>{processes}</b> {processes === 1 ? "process" : "processes"}
            </span>
            <span>
              <b>{formatDuration((all.end - all.begin) * 1e6)}</b> from {formatTime(all.begin)}
            </span>
            {errors > 0 && (
              <span class="status-err">
                <b>{errors}</b> {errors === 1 ? "error" : "errors"}
              </span>
            )}
            <span class="chips">
              {services.map(([name, color]) => (
                <span class="chip" key={name}>
                  <span class="wf-dot" style={{ background: color }} />
                  {name}
                </span>
              ))}
            </span>
          </div>
          {all.orphans > 0 && (
            <div class="muted small" data-testid="trace-orphans">
              {all.orphans} {all.orphans === 1 ? "span is" : "spans are"} shown at the root because{" "}
              {all.orphans === 1 ? "its" : "their"} parent was not received (not exported yet, dropped by a
              sampler, or sent to another backend).
            </div>
          )}
          {(spans.data?.length ?? 0) > MAX_SPANS && (
            <div class="muted small">
              The trace has more than {MAX_SPANS.toLocaleString("en-US")} spans: the first ones by start time
              are shown.
            </div>
          )}
          <Waterfall
            tree={all}
            colors={allColors}
            logs={logList}
            selected={selectedId}
            onSelect={(id) => select(id === selectedId ? null : id)}
          />
          {selected && <SpanDetails span={selected} onClose={() => select(null)} />}
        </>
      )}
      <h2 class="trace-h2">Log lines of the trace</h2>
      {logs.error !== undefined && <ErrorBox error={logs.error} what="the log lines of the trace" />}
      {logs.data && <TraceLogs logs={logList} spanIds={all} onSelect={select} />}
    </section>
  );
}

function TraceLogs({
  logs,
  spanIds,
  onSelect,
}: {
  logs: TraceLog[];
  spanIds: { rows: { span: Span }[] };
  onSelect: (id: string) => void;
}) {
  const known = useMemo(() => new Set(spanIds.rows.map((r) => r.span.spanId)), [spanIds]);
  if (logs.length === 0)
    return (
      <div class="muted small" data-testid="trace-logs-empty">
        No log line carries this trace id (OpenTelemetry log records keep it in their properties when they are
        emitted inside a span).
      </div>
    );
  return (
    <div class="loglist" data-testid="trace-logs">
      {logs.slice(0, SHOWN_LOGS).map((l, i) => (
        <div class={`logline l${l.level}`} key={i}>
          <span class="t">{formatLogTime(l.time)}</span>
          <span class="lv">{levelName(l.level)}</span>
          <a class="proc" href={`/process/${l.processId}?tab=logs`} title={l.processId}>
            {basename(l.exe)}
          </a>
          {l.spanId && known.has(l.spanId) ? (
            <a
              class="span-link"
              href={`?span=${l.spanId}`}
              onClick={(e) => {
                e.preventDefault();
                onSelect(l.spanId!);
              }}
              title="select its span in the waterfall"
            >
              span
            </a>
          ) : null}
          <span class="tg">{l.target}</span>
          <span class="m">{l.msg}</span>
        </div>
      ))}
      {logs.length > SHOWN_LOGS && (
        <div class="muted small">
          The first {SHOWN_LOGS} of {logs.length > MAX_LOGS ? `more than ${MAX_LOGS}` : logs.length} lines.
        </div>
      )}
    </div>
  );
}
