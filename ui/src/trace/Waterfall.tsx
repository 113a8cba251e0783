import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { mark } from "../hooks";
import { formatDuration, niceStep } from "../time";
import type { Span, TraceLog } from "./queries";
import type { TraceRow, TraceTree } from "./tree";
import { SpanSummary } from "./SpanDetails";

const ROW_H = 22;
const MAX_INDENT = 24; // deeper rows say their depth instead of indenting further
const OVERSCAN = 12;
// Rows are keyed by their slot in a pool, so that scrolling updates the elements in place instead of
// creating new ones.
const POOL = 256;

/** Waterfall draws the rows of a trace (only those in view, so 10k spans scroll like 50) on its time axis. */
export function Waterfall({
  tree,
  colors,
  logs,
  selected,
  onSelect,
}: {
  tree: TraceTree<Span>;
  colors: Map<string, string>;
  logs: TraceLog[];
  selected: string | null;
  onSelect: (spanId: string) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [viewH, setViewH] = useState(500);
  const [hover, setHover] = useState<{ row: TraceRow<Span>; x: number; y: number } | null>(null);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => mark("trace-rendered"), []);
  // A span selected elsewhere (a log line, the URL) is scrolled into view.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !selected) return;
    const i = tree.rows.findIndex((r) => r.span.spanId === selected);
    if (i < 0) return;
    const y = i * ROW_H;
    if (y < el.scrollTop || y + ROW_H > el.scrollTop + el.clientHeight)
      el.scrollTop = Math.max(0, y - el.clientHeight / 3);
  }, [selected, tree]);

  const span = Math.max(tree.end - tree.begin, 1e-6);
  const pct = (t: number) => ((t - tree.begin) / span) * 100;
  const ticks = useMemo(() => {
    const step = niceStep(span, 8);
    const out: number[] = [];
    // The last label would be cut at the right edge: ticks stop short of it.
    for (let t = 0; t <= span * 0.93; t += step) out.push(t);
    return out;
  }, [span]);
  const logsBySpan = useMemo(() => {
    const m = new Map<string, TraceLog[]>();
    for (const l of logs) {
      if (!l.spanId) continue;
      const list = m.get(l.spanId);
      if (list) list.push(l);
      else m.set(l.spanId, [l]);
    }
    return m;
  }, [logs]);

  const from = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const to = Math.min(tree.rows.length, Math.ceil((top + viewH) / ROW_H) + OVERSCAN);
  const out = [];
  for (let i = from; i < to; i++) {
    const r = tree.rows[i];
    const s = r.span;
    const color = colors.get(s.service) ?? "#888";
    const err = s.statusCode === "error";
    const left = pct(s.begin);
    const width = Math.max(pct(s.end) - left, 0);
    const marks = logsBySpan.get(s.spanId);
    out.push(
      <div
        key={i % POOL}
        class={`wf-row${selected === s.spanId ? " sel" : ""}${err ? " err" : ""}`}
        style={{ top: `${i * ROW_H}px` }}
        data-span-id={s.spanId}
        data-depth={r.depth}
        data-name={s.name}
        onMouseMove={(e) => setHover({ row: r, x: e.clientX, y: e.clientY })}
        onMouseLeave={() => setHover(null)}
        onClick={() => onSelect(s.spanId)}
      >
        <div class="wf-name" style={{ paddingLeft: `${6 + Math.min(r.depth, MAX_INDENT) * 14}px` }}>
          {r.depth > MAX_INDENT && <span class="wf-deep">{r.depth}›</span>}
          <span class="wf-dot" style={{ background: color }} />
          <span class="wf-svc">{s.service}</span>
          <span class="wf-label" title={s.name}>
            {s.name}
          </span>
          {err && (
            <span class="wf-badge err" title={s.statusMessage || "status error"}>
              error
            </span>
          )}
          {r.orphan && (
            <span
              class="wf-badge orphan"
              title={
                r.orphan === "cycle"
                  ? "its parents refer to each other: shown at the root"
                  : `parent ${s.parentId} was not received: shown at the root`
              }
            >
              {r.orphan === "cycle" ? "parent loop" : "parent missing"}
            </span>
          )}
        </div>
        <div class="wf-track">
          <div class="wf-bar" style={{ left: `${left}%`, width: `max(${width}%, 2px)`, background: color }} />
          <span class={`wf-dur${durInside(left, width) ? " in" : ""}`} style={durStyle(left, width)}>
            {formatDuration(s.duration)}
          </span>
          {marks?.map((l, k) => (
            <span
              key={k}
              class={`wf-log l${l.level}`}
              style={{ left: `${pct(l.time)}%` }}
              title={`log: ${l.msg}`}
            />
          ))}
        </div>
      </div>,
    );
  }
  return (
    <div class="wf" data-testid="waterfall">
      <div class="wf-axis">
        <div class="wf-name muted small">{tree.rows.length.toLocaleString("en-US")} spans</div>
        <div class="wf-track">
          {ticks.map((t) => (
            <span key={t} class="wf-tick" style={{ left: `${(t / span) * 100}%` }}>
              {t === 0 ? "0" : formatDuration(t * 1e6)}
            </span>
          ))}
        </div>
      </div>
      <div
        class="wf-scroll"
        ref={scroller}
        style={{ height: `min(60vh, ${tree.rows.length * ROW_H + 2}px)` }}
        onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}
        data-testid="waterfall-scroll"
      >
        <div style={{ height: `${tree.rows.length * ROW_H}px`, position: "relative" }}>{out}</div>
      </div>
      {hover && (
        <div
          class="tooltip wf-tip"
          data-testid="span-tooltip"
          style={{
            left: `${Math.max(0, Math.min(hover.x + 14, window.innerWidth - 440))}px`,
            // Near the bottom of the window the tooltip goes above the pointer.
            ...(hover.y > window.innerHeight - 280
              ? { bottom: `${window.innerHeight - hover.y + 14}px` }
              : { top: `${hover.y + 14}px` }),
          }}
        >
          <SpanSummary span={hover.row.span} compact />
        </div>
      )}
    </div>
  );
}

// A bar's duration goes right of the bar, else left of it, else (a bar across the axis) inside it.
function durInside(left: number, width: number): boolean {
  return left + width > 80 && left < 15;
}

function durStyle(left: number, width: number): Record<string, string> {
  if (left + width <= 80) return { left: `${left + width + 0.5}%` };
  if (!durInside(left, width)) return { right: `${100 - left + 0.5}%` };
  return { left: `${left + 0.5}%` };
}
