// The shape of a trace's waterfall: spans ordered depth first, each under
// its parent, children by start time; spans whose parent was not received
// (orphans) at the root, marked.

/** What the tree needs of a span. */
export interface SpanKey {
  spanId: string;
  /** The parent's span id; null or "" for the root of a trace. */
  parentId: string | null;
  name: string;
  /** Start, in float milliseconds since the epoch. */
  begin: number;
  /** End, in float milliseconds since the epoch. */
  end: number;
}

/** One row of the waterfall. */
export interface TraceRow<S extends SpanKey> {
  span: S;
  /** 0 at the root. */
  depth: number;
  /** Why the span is at the root without being a root: its parent was not received, or its parents loop. */
  orphan?: "missing-parent" | "cycle";
  /** Number of direct children. */
  children: number;
}

/** A trace shaped for drawing. */
export interface TraceTree<S extends SpanKey> {
  rows: TraceRow<S>[];
  /** The earliest start and the latest end of the spans (0, 0 without spans). */
  begin: number;
  end: number;
  /** Spans shown at the root whose parent was not received (or whose parents loop). */
  orphans: number;
  /** Spans dropped because an earlier one had the same span id. */
  duplicates: number;
  /** The deepest depth. */
  maxDepth: number;
}

function byStart<S extends SpanKey>(a: S, b: S): number {
  return a.begin - b.begin || a.name.localeCompare(b.name) || a.spanId.localeCompare(b.spanId);
}

/** buildTree orders the spans of one trace as the rows of its waterfall. */
export function buildTree<S extends SpanKey>(spans: readonly S[]): TraceTree<S> {
  const byId = new Map<string, S>();
  let duplicates = 0;
  for (const s of spans) {
    if (byId.has(s.spanId)) duplicates++;
    else byId.set(s.spanId, s);
  }
  const children = new Map<string, S[]>();
  const roots: { span: S; orphan?: "missing-parent" }[] = [];
  let begin = Infinity;
  let end = -Infinity;
  for (const s of byId.values()) {
    begin = Math.min(begin, s.begin);
    end = Math.max(end, s.end, s.begin);
    const p = s.parentId;
    if (!p) roots.push({ span: s });
    else if (!byId.has(p)) roots.push({ span: s, orphan: "missing-parent" });
    else {
      let list = children.get(p);
      if (!list) children.set(p, (list = []));
      list.push(s);
    }
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort((a, b) => byStart(a.span, b.span) || (a.orphan ? 1 : 0) - (b.orphan ? 1 : 0));

  const rows: TraceRow<S>[] = [];
  const seen = new Set<string>();
  let maxDepth = 0;
  // Depth first without recursion: a chain of thousands of spans is no deeper for the stack.
  const walk = (root: S, orphan?: TraceRow<S>["orphan"]) => {
    const stack: { span: S; depth: number; orphan?: TraceRow<S>["orphan"] }[] = [
      { span: root, depth: 0, orphan },
    ];
    while (stack.length > 0) {
      const { span, depth, orphan } = stack.pop()!;
      if (seen.has(span.spanId)) continue;
      seen.add(span.spanId);
      const kids = children.get(span.spanId) ?? [];
      rows.push(
        orphan ? { span, depth, orphan, children: kids.length } : { span, depth, children: kids.length },
      );
      maxDepth = Math.max(maxDepth, depth);
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1 });
    }
  };
  let orphans = 0;
  for (const r of roots) {
    if (r.orphan) orphans++;
    walk(r.span, r.orphan);
  }
  // Spans whose parents form a loop are reached from no root: each loop starts at its earliest span.
  if (seen.size < byId.size) {
    const left = [...byId.values()].filter((s) => !seen.has(s.spanId)).sort(byStart);
    for (const s of left) {
      if (seen.has(s.spanId)) continue;
      orphans++;
      walk(s, "cycle");
    }
  }
  if (rows.length === 0) begin = end = 0;
  return { rows, begin, end, orphans, duplicates, maxDepth };
}

/** The colors of services, in the order of serviceColors. */
export const SERVICE_PALETTE = [
  "#61afef",
  "#98c379",
  "#d19a66",
  "#c678dd",
  "#56b6c2",
  "#e5c07b",
  "#be5046",
  "#7f9fd9",
  "#b5d67f",
  "#d98fb0",
];

/** serviceColors gives each service a color, in the order of their names: distinct for up to 10 services. */
export function serviceColors(services: Iterable<string>): Map<string, string> {
  const names = [...new Set(services)].sort();
  return new Map(names.map((n, i) => [n, SERVICE_PALETTE[i % SERVICE_PALETTE.length]]));
}

/** normalizeTraceId returns a trace id as stored (32 lower-case hex digits, not all zero), or null. */
export function normalizeTraceId(s: string): string | null {
  const id = s.trim().toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]{32}$/.test(id) || /^0+$/.test(id)) return null;
  return id;
}
