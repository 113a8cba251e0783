// The data of the timeline: span rows per track, packed into lanes, and
// what the mouse points at (pure, unit-tested).

/** A span, or a bucket of spans shorter than a pixel (agg), in nanoseconds from the view's base. */
export interface Span {
  b: number;
  e: number;
  depth: number;
  id: number | null;
  name: string;
  target: string;
  file: string;
  line: number;
  /** The W3C trace id of an async span that carries one (our library's HTTP/gRPC middleware), else absent. */
  traceId?: string;
  /** Number of spans: 1 for a span, more for a bucket. */
  n: number;
  agg: boolean;
}

/** A track: a thread (rows by depth) or the async spans of the process (rows by lane). */
export interface Track {
  key: string;
  title: string;
  kind: "thread" | "async";
  streamId?: string;
  /** rows[i] holds non-overlapping spans sorted by begin. */
  rows: Span[][];
}

/** threadRows puts a thread's spans (depth ≥ 1) in rows by depth, sorted by begin. */
export function threadRows(spans: Span[]): Span[][] {
  const rows: Span[][] = [];
  for (const s of spans) {
    const r = s.depth - 1;
    if (r < 0) continue;
    while (rows.length <= r) rows.push([]);
    rows[r].push(s);
  }
  for (const r of rows) r.sort((a, b) => a.b - b.b);
  return rows;
}

/** packLanes puts async spans in lanes: for each depth, the first lane where the span fits after the last
 * one; depths below each other. At most maxLanes per depth (the rest overlap in the last lane). */
export function packLanes(spans: Span[], maxLanes = 24): Span[][] {
  const byDepth = new Map<number, Span[]>();
  for (const s of spans) {
    const l = byDepth.get(s.depth) ?? [];
    l.push(s);
    byDepth.set(s.depth, l);
  }
  const out: Span[][] = [];
  for (const d of [...byDepth.keys()].sort((a, b) => a - b)) {
    const list = byDepth.get(d)!.sort((a, b) => a.b - b.b || b.e - a.e);
    const lanes: Span[][] = [];
    const ends: number[] = [];
    for (const s of list) {
      let k = ends.findIndex((e) => e <= s.b);
      if (k < 0) {
        if (lanes.length < maxLanes) {
          k = lanes.length;
          lanes.push([]);
          ends.push(-Infinity);
        } else {
          k = lanes.length - 1;
        }
      }
      lanes[k].push(s);
      ends[k] = Math.max(ends[k], s.e);
    }
    out.push(...lanes);
  }
  return out;
}

/** hit returns the span of a row under time t (ns), with a tolerance for thin spans. */
export function hit(row: Span[], t: number, tol: number): Span | null {
  let lo = 0;
  let hi = row.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (row[mid].b <= t + tol) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Spans of a lane may overlap only in an overflowing lane: look back a few.
  for (let i = best; i >= 0 && i > best - 8; i--) {
    if (row[i].b <= t + tol && row[i].e >= t - tol) return row[i];
  }
  return null;
}

/** visibleRange returns the index range [i, j) of a row's spans that intersect [t0, t1]; the row is sorted by
 * begin and its spans do not overlap, so their ends are sorted too. */
export function visibleRange(row: Span[], t0: number, t1: number): [number, number] {
  return [lowerBound(row, (s) => s.e >= t0), lowerBound(row, (s) => s.b > t1)];
}

function lowerBound(row: Span[], pred: (s: Span) => boolean): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(row[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** color picks a stable color for a span name. */
export function color(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  const hue = (h >>> 0) % 360;
  return `hsl(${hue} 55% 52%)`;
}

/** zoomAt scales the view [v0, v1] by factor around t, keeping it within [min, max] span limits. */
export function zoomAt(v0: number, v1: number, t: number, factor: number, minSpan = 100): [number, number] {
  let span = (v1 - v0) * factor;
  if (span < minSpan) span = minSpan;
  const f = (t - v0) / (v1 - v0);
  return [t - f * span, t - f * span + span];
}
