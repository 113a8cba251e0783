// The SQL of the trace page, sent through POST /api/query like every page's:
// the spans of one trace from otel_spans (found by the trace-id Bloom filters
// of its files) and the log lines whose properties carry the trace id.
import { query } from "../api";
import type { Frame } from "../arrow";
import { str, ts } from "../sql";
import { msToNs, nsToISO } from "../time";
import type { SpanKey } from "./tree";

/** A span of the trace, as the waterfall shows it. */
export interface Span extends SpanKey {
  service: string;
  kind: string;
  /** Nanoseconds. */
  duration: number;
  statusCode: string;
  statusMessage: string;
  processId: string;
  exe: string;
  scope: string;
  /** JSON text of an object. */
  attributes: string;
  /** JSON text of an array of {name, time, attributes}. */
  events: string;
  /** JSON text of an array of {trace_id, span_id, trace_state, attributes}. */
  links: string;
}

/** A log line of the trace. */
export interface TraceLog {
  time: number;
  level: number;
  target: string;
  msg: string;
  processId: string;
  exe: string;
  spanId: string | null;
}

/** MAX_SPANS is the most spans the page reads of one trace. */
export const MAX_SPANS = 200_000;
/** MAX_LOGS is the most log lines the page lists. */
export const MAX_LOGS = 5_000;

/** spansSQL selects the spans of a trace (id already normalized). */
export function spansSQL(traceId: string): string {
  return `SELECT span_id, parent_span_id, name, kind, "begin", "end", duration, status_code, status_message,
  service_name, process_id, exe, scope_name, attributes, events, links
FROM otel_spans WHERE trace_id = ${str(traceId)} ORDER BY "begin" LIMIT ${MAX_SPANS + 1}`;
}

/** logsSQL selects the log lines carrying a trace id in a time range (float ms). */
export function logsSQL(traceId: string, beginMs: number, endMs: number): string {
  return `SELECT time, level, target, msg, process_id, exe, property_get(properties, 'span_id') AS span_id
FROM log_entries
WHERE time >= ${ts(nsToISO(msToNs(beginMs)))} AND time < ${ts(nsToISO(msToNs(endMs)))}
  AND property_get(properties, 'trace_id') = ${str(traceId)}
ORDER BY time LIMIT ${MAX_LOGS + 1}`;
}

function columns(f: Frame): Record<string, Frame["columns"][number]["values"]> {
  return Object.fromEntries(f.columns.map((c) => [c.name, c.values]));
}

const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** spansOf converts the result of spansSQL. */
export function spansOf(f: Frame): Span[] {
  const c = columns(f);
  const out: Span[] = new Array(f.length);
  for (let i = 0; i < f.length; i++) {
    const begin = c.begin[i] as number;
    out[i] = {
      spanId: text(c.span_id[i]),
      parentId: (c.parent_span_id[i] as string | null) || null,
      name: text(c.name[i]),
      begin,
      end: (c.end[i] as number | null) ?? begin,
      service: text(c.service_name[i]) || "(no service.name)",
      kind: text(c.kind[i]),
      duration: Number(c.duration[i] ?? 0),
      statusCode: text(c.status_code[i]),
      statusMessage: text(c.status_message[i]),
      processId: text(c.process_id[i]),
      exe: text(c.exe[i]),
      scope: text(c.scope_name[i]),
      attributes: text(c.attributes[i]),
      events: text(c.events[i]),
      links: text(c.links[i]),
    };
  }
  return out;
}

/** logsOf converts the result of logsSQL. */
export function logsOf(f: Frame): TraceLog[] {
  const c = columns(f);
  const out: TraceLog[] = new Array(f.length);
  for (let i = 0; i < f.length; i++) {
    out[i] = {
      time: c.time[i] as number,
      level: c.level[i] as number,
      target: text(c.target[i]),
      msg: text(c.msg[i]),
      processId: text(c.process_id[i]),
      exe: text(c.exe[i]),
      spanId: (c.span_id[i] as string | null) || null,
    };
  }
  return out;
}

/** loadSpans reads the spans of a trace (all of them: no time range, the trace-id filters find the files). */
export async function loadSpans(traceId: string, signal: AbortSignal): Promise<Span[]> {
  return spansOf(await query(spansSQL(traceId), { signal }));
}

/** loadLogs reads the log lines of a trace in a time range (float ms). */
export async function loadLogs(
  traceId: string,
  beginMs: number,
  endMs: number,
  signal: AbortSignal,
): Promise<TraceLog[]> {
  return logsOf(await query(logsSQL(traceId, beginMs, endMs), { beginMs, endMs, signal }));
}

/** parseJSON reads JSON text of attributes or events, or returns null when it is not JSON. */
export function parseJSON(s: string): unknown {
  if (!s) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** SpanEvent is an event of a span, as otel_spans keeps it. */
export interface SpanEvent {
  name: string;
  time: string;
  attributes?: Record<string, string>;
}

/** eventsOf reads the events of a span (an empty list when there are none or they are not JSON). */
export function eventsOf(s: Span): SpanEvent[] {
  const v = parseJSON(s.events);
  return Array.isArray(v) ? (v as SpanEvent[]) : [];
}

/** attributesOf reads the attributes of a span as key/value pairs, sorted by key. */
export function attributesOf(json: string): [string, string][] {
  const v = parseJSON(json);
  if (!v || typeof v !== "object" || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]): [string, string] => [k, typeof x === "string" ? x : JSON.stringify(x)])
    .sort((a, b) => a[0].localeCompare(b[0]));
}
