// The SQL of the timeline: spans at least a pixel long one by one, shorter
// ones counted per pixel and depth, so a range of a million spans returns
// at most a few thousand rows.
import { ts, uuid } from "../sql";
import { nsToISO } from "../time";

/** A fetch window: [lo, hi] in ns since the epoch, and the ns per pixel below which spans are bucketed. */
export interface Window {
  base: bigint;
  lo: bigint;
  hi: bigint;
  px: bigint;
}

/** threadSpansSQL reads a thread's spans in the window. */
export function threadSpansSQL(streamId: string, w: Window): string {
  const B = w.base;
  return `WITH s AS (
  SELECT id, depth, "begin", "end", duration, name, target, filename, line
  FROM view_instance('thread_spans', ${uuid(streamId)})
  WHERE "end" >= ${ts(nsToISO(w.lo))} AND "begin" <= ${ts(nsToISO(w.hi))} AND depth > 0)
SELECT false AS agg, depth, epoch_ns("begin") - ${B} AS b, epoch_ns("end") - ${B} AS e, id, name, target,
  filename, line, 1 AS n
FROM s WHERE duration >= ${w.px}
UNION ALL
SELECT true, depth, min(epoch_ns("begin")) - ${B}, max(epoch_ns("end")) - ${B}, NULL, NULL, NULL, NULL, NULL, count(*)
FROM s WHERE duration < ${w.px}
GROUP BY depth, (epoch_ns("begin") - ${B}) // ${w.px}
LIMIT 300000`;
}

/** asyncSpansSQL pairs the process's async begin/end events in the window into spans, with the trace id of
 * those that carry one. A span is seen when one of its events is in the window; the other end, outside, is
 * clipped to it. */
export function asyncSpansSQL(pid: string, w: Window): string {
  const B = w.base;
  const lo = ts(nsToISO(w.lo));
  const hi = ts(nsToISO(w.hi));
  return `WITH ev AS (
  SELECT span_id, depth, event_type, time, name, target, filename, line, trace_id
  FROM view_instance('async_events', ${uuid(pid)}) WHERE time >= ${lo} AND time <= ${hi}),
sp AS (
  SELECT span_id, any_value(depth) AS depth,
    epoch_ns(coalesce(min(time) FILTER (event_type = 'begin'), ${lo})) - ${B} AS b,
    epoch_ns(coalesce(max(time) FILTER (event_type = 'end'), ${hi})) - ${B} AS e,
    any_value(name) AS name, any_value(target) AS target, any_value(filename) AS filename, any_value(line) AS line,
    max(trace_id) AS trace_id
  FROM ev GROUP BY span_id)
SELECT false AS agg, depth, b, e, span_id AS id, name, target, filename, line, 1 AS n, trace_id FROM sp
WHERE e - b >= ${w.px}
UNION ALL
SELECT true, depth, min(b), max(e), NULL, NULL, NULL, NULL, NULL, count(*), NULL FROM sp WHERE e - b < ${w.px}
GROUP BY depth, b // ${w.px}
LIMIT 300000`;
}

/** childrenSQL totals the children of a thread span by name. */
export function threadChildrenSQL(
  streamId: string,
  id: number,
  depth: number,
  bNs: bigint,
  eNs: bigint,
): string {
  return `SELECT name, count(*) AS n, sum(duration) AS total
FROM view_instance('thread_spans', ${uuid(streamId)})
WHERE "end" >= ${ts(nsToISO(bNs))} AND "begin" <= ${ts(nsToISO(eNs))} AND parent = ${id} AND depth = ${depth + 1}
GROUP BY name ORDER BY total DESC`;
}

/** asyncChildrenSQL totals the children of an async span by name. */
export function asyncChildrenSQL(pid: string, id: number, bNs: bigint, eNs: bigint): string {
  return `WITH ev AS (
  SELECT span_id, name, event_type, time FROM view_instance('async_events', ${uuid(pid)})
  WHERE time >= ${ts(nsToISO(bNs))} AND time <= ${ts(nsToISO(eNs))} AND parent_span_id = ${id}),
sp AS (SELECT span_id, any_value(name) AS name, min(time) FILTER (event_type = 'begin') AS b,
  max(time) FILTER (event_type = 'end') AS e FROM ev GROUP BY span_id)
SELECT name, count(*) AS n, sum(epoch_ns(e) - epoch_ns(b)) AS total FROM sp
WHERE b IS NOT NULL AND e IS NOT NULL GROUP BY name ORDER BY total DESC`;
}
