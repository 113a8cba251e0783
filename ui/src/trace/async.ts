// The async spans of our own library (telemetry/httptrace, grpctrace) that
// carry W3C trace context, read from view_instance('async_events', pid) for
// each process the trace page knows, converted to the waterfall's spans so
// that they nest with OpenTelemetry spans through otel_span_id and
// otel_parent_span_id.
import { query } from "../api";
import type { Frame } from "../arrow";
import { str, ts, uuid } from "../sql";
import { msToNs, nsToISO } from "../time";
import type { Span } from "./queries";

/** MAX_PROCESSES is the most processes whose async spans the trace page reads. */
export const MAX_PROCESSES = 10;
/** MAX_ASYNC_SPANS is the most async spans the page reads of one process. */
export const MAX_ASYNC_SPANS = 50_000;

const UUID = /^[0-9a-fA-F-]{36}$/;

/** processesParam reads the ?process= values of a URL (repeatable, comma-separated), keeping the ids that
 * look like process ids, in order and without repeats. */
export function processesParam(params: URLSearchParams): string[] {
  const out = new Set<string>();
  for (const v of params.getAll("process"))
    for (const p of v.split(",")) {
      const id = p.trim().toLowerCase();
      if (UUID.test(id)) out.add(id);
    }
  return [...out];
}

/** traceProcesses lists the processes to read async spans of: those of the URL first, then those seen in the
 * trace's spans and log lines, at most MAX_PROCESSES; dropped says how many were left out. */
export function traceProcesses(
  fromURL: readonly string[],
  seen: Iterable<string>,
): { pids: string[]; dropped: number } {
  const all = new Set<string>(fromURL);
  for (const p of seen) if (p && UUID.test(p)) all.add(p.toLowerCase());
  const pids = [...all];
  return { pids: pids.slice(0, MAX_PROCESSES), dropped: Math.max(0, pids.length - MAX_PROCESSES) };
}

/** asyncTraceSQL selects the async spans of a trace in one process and a time range (float ms): begin rows
 * of the trace joined to their end rows, which hold the outcome. */
export function asyncTraceSQL(pid: string, traceId: string, beginMs: number, endMs: number): string {
  return `WITH ev AS (
  SELECT span_id, event_type, time, name, target, trace_id, otel_span_id, otel_parent_span_id, status,
    request_bytes, response_bytes
  FROM view_instance('async_events', ${uuid(pid)})
  WHERE time >= ${ts(nsToISO(msToNs(beginMs)))} AND time <= ${ts(nsToISO(msToNs(endMs)))})
SELECT b.span_id, b.name, b.target, b.time AS "begin", e.time AS "end", b.otel_span_id, b.otel_parent_span_id,
  e.status, e.request_bytes, e.response_bytes
FROM ev b LEFT JOIN ev e ON e.span_id = b.span_id AND e.event_type = 'end'
WHERE b.event_type = 'begin' AND b.trace_id = ${str(traceId)}
ORDER BY b.time LIMIT ${MAX_ASYNC_SPANS}`;
}

/** asyncError says whether an async span's status is a failure: an HTTP status (100 and up) of 400 or more,
 * or a non-zero gRPC code (below 100). */
export function asyncError(status: number | null): boolean {
  if (status === null) return false;
  return status >= 100 ? status >= 400 : status !== 0;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** asyncSpansOf converts the result of asyncTraceSQL for process pid (exe its executable, service the name
 * the waterfall shows). A span without an OpenTelemetry id is keyed by the process and its own id. */
export function asyncSpansOf(f: Frame, pid: string, exe: string, service: string): Span[] {
  const c = Object.fromEntries(f.columns.map((col) => [col.name, col.values]));
  const out: Span[] = [];
  for (let i = 0; i < f.length; i++) {
    const begin = c.begin[i] as number;
    const endV = c.end[i] as number | null;
    const end = endV ?? begin;
    const status = num(c.status[i]);
    const req = num(c.request_bytes[i]);
    const resp = num(c.response_bytes[i]);
    const own = text(c.span_id[i]);
    const attrs: Record<string, string> = { "async.span_id": own, target: text(c.target[i]) };
    if (status !== null) attrs.status = String(status);
    if (req !== null) attrs.request_bytes = String(req);
    if (resp !== null) attrs.response_bytes = String(resp);
    if (endV === null) attrs.end = "not received in the range";
    const err = asyncError(status);
    out.push({
      spanId: text(c.otel_span_id[i]) || `${pid}:${own}`,
      parentId: (c.otel_parent_span_id[i] as string | null) || null,
      name: text(c.name[i]),
      begin,
      end,
      service,
      kind: "async",
      duration: Math.max(0, (end - begin) * 1e6),
      statusCode: err ? "error" : status !== null ? "ok" : "",
      statusMessage: status === null ? "" : status >= 100 ? `HTTP ${status}` : `gRPC code ${status}`,
      processId: pid,
      exe,
      scope: "async_events",
      attributes: JSON.stringify(attrs),
      events: "",
      links: "",
    });
  }
  return out;
}

/** A process whose async spans are read, with the names the waterfall shows. */
export interface TraceProcess {
  pid: string;
  exe: string;
  service: string;
}

/** loadAsyncSpans reads the async spans of a trace in each process, in parallel, over a time range (float
 * ms). A process whose query fails is reported in failed, the others still shown. */
export async function loadAsyncSpans(
  traceId: string,
  procs: readonly TraceProcess[],
  beginMs: number,
  endMs: number,
  signal: AbortSignal,
): Promise<{ spans: Span[]; failed: { pid: string; error: string }[] }> {
  const results = await Promise.allSettled(
    procs.map(async (p) =>
      asyncSpansOf(
        await query(asyncTraceSQL(p.pid, traceId, beginMs, endMs), { beginMs, endMs, signal }),
        p.pid,
        p.exe,
        p.service,
      ),
    ),
  );
  const spans: Span[] = [];
  const failed: { pid: string; error: string }[] = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") spans.push(...r.value);
    else failed.push({ pid: procs[i].pid, error: String((r.reason as Error)?.message ?? r.reason) });
  });
  if (signal.aborted) throw new DOMException("aborted", "AbortError");
  return { spans, failed };
}

/** exesSQL reads the executables of processes (ids already checked) in a time range. */
export function exesSQL(pids: readonly string[]): string {
  return `SELECT process_id, exe FROM processes WHERE process_id IN (${pids.map(uuid).join(", ")})`;
}

/** loadExes reads the executables of processes the trace's spans and logs did not name. */
export async function loadExes(
  pids: readonly string[],
  beginMs: number,
  endMs: number,
  signal: AbortSignal,
): Promise<Map<string, string>> {
  if (pids.length === 0) return new Map();
  const f = await query(exesSQL(pids), { beginMs, endMs, signal });
  const c = Object.fromEntries(f.columns.map((col) => [col.name, col.values]));
  const m = new Map<string, string>();
  for (let i = 0; i < f.length; i++) m.set(text(c.process_id[i]), text(c.exe[i]));
  return m;
}
