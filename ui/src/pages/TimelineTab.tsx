import { useEffect, useRef, useState } from "preact/hooks";
import { query } from "../api";
import { rows } from "../arrow";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { mark, useLoad } from "../hooks";
import { isTyping } from "../app";
import type { Range } from "../range";
import { setParams } from "../router";
import { formatDuration, formatISO, formatTime, msToNs, niceStep, nsToMs } from "../time";
import {
  color,
  hit,
  packLanes,
  threadRows,
  visibleRange,
  zoomAt,
  type Span,
  type Track,
} from "../timeline/model";
import {
  asyncChildrenSQL,
  asyncSpansSQL,
  threadChildrenSQL,
  threadSpansSQL,
  type Window,
} from "../timeline/queries";
import type { Thread } from "./streams";

const GUTTER = 170;
const AXIS = 26;
const ROW = 18;
const GAP = 8;

interface Selected {
  track: Track;
  span: Span;
}

/** TimelineTab draws the spans of each thread (nested bars, one track per thread) and the async spans (lanes)
 * on a canvas. Wheel or W/S zoom, Shift+wheel, A/D or Shift+drag pan, a drag zooms to its range, a click
 * selects a span and totals its children. Spans shorter than a pixel are counted per pixel on the server. */
export function TimelineTab({ pid, range, threads }: { pid: string; range: Range; threads: Thread[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const base = useRef(msToNs(range.beginMs));
  const view = useRef<[number, number]>([0, (range.endMs - range.beginMs) * 1e6]);
  const tracks = useRef<Track[]>([]);
  const fetched = useRef<{ w: Window; key: string } | null>(null);
  const drag = useRef<{ x0: number; x1: number; pan: boolean; v0: number; v1: number } | null>(null);
  const selected = useRef<Selected | null>(null);
  const hover = useRef<{ x: number; y: number; span: Span; track: Track } | null>(null);
  const [tip, setTip] = useState<{ x: number; y: number; span: Span; track: Track } | null>(null);
  const [sel, setSel] = useState<Selected | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const frame = useRef(0);
  const urlTimer = useRef(0);
  const fetchTimer = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const threadKey = threads.map((t) => t.streamId).join(",");

  const width = () => canvas.current?.clientWidth ?? 1000;
  const plotW = () => Math.max(1, width() - GUTTER);
  const timeAt = (x: number) => {
    const [v0, v1] = view.current;
    return v0 + ((x - GUTTER) / plotW()) * (v1 - v0);
  };

  // The URL's range moves the view (a link, the picker), unless it is the echo of our own zoom.
  useEffect(() => {
    const v0 = Number(msToNs(range.beginMs) - base.current);
    const v1 = Number(msToNs(range.endMs) - base.current);
    const [c0, c1] = view.current;
    const tol = Math.max(1000, (c1 - c0) * 1e-3);
    if (Math.abs(v0 - c0) > tol || Math.abs(v1 - c1) > tol) {
      view.current = [v0, v1];
      schedule();
    }
  }, [range.beginMs, range.endMs]);

  useEffect(() => {
    fetched.current = null;
    schedule();
  }, [pid, threadKey, range.tick]);

  // Handlers registered once call the latest ensureData (it reads the latest props).
  const latest = useRef<() => void>(() => {});
  const schedule = () => {
    requestDraw();
    clearTimeout(fetchTimer.current);
    fetchTimer.current = window.setTimeout(() => latest.current(), 120);
  };

  const syncURL = () => {
    clearTimeout(urlTimer.current);
    urlTimer.current = window.setTimeout(() => {
      const [v0, v1] = view.current;
      setParams(
        {
          from: formatISO(nsToMs(base.current + BigInt(Math.round(v0)))),
          to: formatISO(nsToMs(base.current + BigInt(Math.round(v1)))),
          live: null,
        },
        true,
      );
    }, 400);
  };

  const ensureData = async () => {
    const [v0, v1] = view.current;
    const span = v1 - v0;
    const pxNs = span / plotW();
    const f = fetched.current;
    const key = `${pid}|${threadKey}|${range.tick}`;
    if (f && f.key === key) {
      const lo = Number(f.w.lo - base.current);
      const hi = Number(f.w.hi - base.current);
      const px = Number(f.w.px);
      if (lo <= v0 && hi >= v1 && px <= pxNs * 1.5 && px >= pxNs / 3) return;
    }
    const w: Window = {
      base: base.current,
      lo: base.current + BigInt(Math.floor(v0 - span)),
      hi: base.current + BigInt(Math.ceil(v1 + span)),
      px: BigInt(Math.max(1, Math.floor(pxNs))),
    };
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setLoading(true);
    try {
      const opts = { beginMs: nsToMs(w.lo), endMs: nsToMs(w.hi), signal: ctl.signal };
      const threadLoads = threads.map(async (t): Promise<Track> => {
        const f = await query(threadSpansSQL(t.streamId, w), opts);
        return {
          key: t.streamId,
          title: t.name,
          kind: "thread",
          streamId: t.streamId,
          rows: threadRows(toSpans(f)),
        };
      });
      const asyncLoad = query(asyncSpansSQL(pid, w), opts).then((f): Track => ({
        key: "async",
        title: "async spans",
        kind: "async",
        rows: packLanes(toSpans(f)),
      }));
      const all = await Promise.all([...threadLoads, asyncLoad]);
      if (ctl.signal.aborted) return;
      tracks.current = all.filter((t) => t.kind === "thread" || t.rows.length > 0);
      fetched.current = { w, key };
      setError(undefined);
      requestDraw();
      mark("timeline-drawn");
    } catch (e) {
      if (!ctl.signal.aborted && (e as Error).name !== "AbortError") setError(e);
    } finally {
      if (abort.current === ctl) setLoading(false);
    }
  };

  latest.current = ensureData;

  const requestDraw = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      draw();
    });
  };

  const trackLayout = () => {
    let y = AXIS;
    return tracks.current.map((t) => {
      const h = Math.max(1, t.rows.length) * ROW + GAP;
      const out = { t, y, h };
      y += h;
      return out;
    });
  };

  const draw = () => {
    const c = canvas.current;
    if (!c) return;
    const layout = trackLayout();
    const cssW = c.clientWidth;
    const cssH = Math.max(
      120,
      layout.length ? layout[layout.length - 1].y + layout[layout.length - 1].h : 120,
    );
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
      c.style.height = `${cssH}px`;
    }
    const g = c.getContext("2d")!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#14181f";
    g.fillRect(0, 0, cssW, cssH);
    const [v0, v1] = view.current;
    const W = cssW - GUTTER;
    const k = W / (v1 - v0);
    const X = (t: number) => GUTTER + (t - v0) * k;
    g.font = "11px ui-monospace, SFMono-Regular, Menlo, monospace";
    g.textBaseline = "middle";
    // Axis.
    const step = niceStep(v1 - v0, Math.max(2, W / 110));
    g.fillStyle = "#9aa4b2";
    g.strokeStyle = "#262d38";
    for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      const x = X(t);
      g.beginPath();
      g.moveTo(x + 0.5, AXIS - 6);
      g.lineTo(x + 0.5, cssH);
      g.stroke();
      g.fillText(axisLabel(base.current, t, step), x + 3, 10);
    }
    // Tracks. The centers of the spans drawn are kept on the canvas (hits) for the browser tests.
    const sel = selected.current;
    const hits: { name: string; agg?: boolean; x: number; y: number }[] = [];
    for (const { t, y, h } of layout) {
      g.fillStyle = "#1b2029";
      g.fillRect(0, y, GUTTER - 4, h - GAP);
      g.fillStyle = "#d5dbe3";
      g.fillText(t.title.length > 22 ? t.title.slice(0, 21) + "…" : t.title, 8, y + ROW / 2);
      if (t.rows.length === 0) {
        g.fillStyle = "#5c6673";
        g.fillText("no span in view", GUTTER + 8, y + ROW / 2);
      }
      t.rows.forEach((row, r) => {
        const ry = y + r * ROW;
        const [i0, i1] = visibleRange(row, v0, v1);
        let lastX = -1;
        for (let i = i0; i < i1; i++) {
          const s = row[i];
          const x0 = Math.max(GUTTER, X(s.b));
          const x1 = Math.min(cssW, X(s.e));
          const w = Math.max(1, x1 - x0);
          if (x0 + w <= lastX) continue; // sub-pixel: already painted
          lastX = x0 + w;
          if (s.agg) {
            g.fillStyle = "rgba(150,160,175,0.55)";
            g.fillRect(x0, ry + 4, w, ROW - 8);
            if (hits.length < 500) hits.push({ name: "", agg: true, x: x0 + w / 2, y: ry + ROW / 2 });
            continue;
          }
          g.fillStyle = color(s.name);
          g.fillRect(x0, ry + 1, w, ROW - 2);
          if (hits.length < 500) hits.push({ name: s.name, x: x0 + w / 2, y: ry + ROW / 2 });
          if (w > 40) {
            g.save();
            g.beginPath();
            g.rect(x0, ry, w, ROW);
            g.clip();
            g.fillStyle = "#0b0e13";
            g.fillText(`${s.name} ${formatDuration(s.e - s.b)}`, x0 + 4, ry + ROW / 2);
            g.restore();
          }
          if (sel && sel.span === s) {
            g.strokeStyle = "#fff";
            g.lineWidth = 2;
            g.strokeRect(x0 + 1, ry + 1, w - 2, ROW - 2);
            g.lineWidth = 1;
          }
        }
      });
    }
    (c as HTMLCanvasElement & { hits?: typeof hits }).hits = hits;
    // Drag selection.
    const d = drag.current;
    if (d && !d.pan) {
      g.fillStyle = "rgba(97,175,239,0.18)";
      g.fillRect(Math.min(d.x0, d.x1), AXIS, Math.abs(d.x1 - d.x0), cssH - AXIS);
    }
  };

  // Mouse and keyboard.
  useEffect(() => {
    const c = canvas.current!;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const [v0, v1] = view.current;
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        const d = (e.shiftKey ? e.deltaY : e.deltaX) / plotW();
        view.current = [v0 + d * (v1 - v0), v1 + d * (v1 - v0)];
      } else {
        const x = e.offsetX;
        view.current = zoomAt(v0, v1, timeAt(Math.max(GUTTER, x)), Math.pow(1.0015, e.deltaY));
      }
      hover.current = null;
      setTip(null);
      schedule();
      syncURL();
    };
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e)) return;
      const [v0, v1] = view.current;
      const mid = (v0 + v1) / 2;
      const span = v1 - v0;
      switch (e.key) {
        case "w":
        case "+":
        case "=":
          view.current = zoomAt(v0, v1, mid, 0.7);
          break;
        case "s":
        case "-":
          view.current = zoomAt(v0, v1, mid, 1 / 0.7);
          break;
        case "a":
        case "ArrowLeft":
          view.current = [v0 - span * 0.2, v1 - span * 0.2];
          break;
        case "d":
        case "ArrowRight":
          view.current = [v0 + span * 0.2, v1 + span * 0.2];
          break;
        case "Escape":
          selected.current = null;
          setSel(null);
          requestDraw();
          return;
        default:
          return;
      }
      e.preventDefault();
      schedule();
      syncURL();
    };
    c.addEventListener("wheel", onWheel, { passive: false });
    window.addEventListener("keydown", onKey);
    return () => {
      c.removeEventListener("wheel", onWheel);
      window.removeEventListener("keydown", onKey);
    };
  }, [threadKey, pid]);

  const pointAt = (x: number, y: number) => {
    if (x < GUTTER) return null;
    const t = timeAt(x);
    const tol = ((view.current[1] - view.current[0]) / plotW()) * 2;
    for (const { t: track, y: ty, h } of trackLayout()) {
      if (y >= ty && y < ty + h - GAP) {
        const row = track.rows[Math.floor((y - ty) / ROW)];
        const span = row ? hit(row, t, tol) : null;
        return span ? { span, track } : null;
      }
    }
    return null;
  };

  const onDown = (e: MouseEvent) => {
    const [v0, v1] = view.current;
    drag.current = { x0: e.offsetX, x1: e.offsetX, pan: e.shiftKey, v0, v1 };
  };
  const onMove = (e: MouseEvent) => {
    const d = drag.current;
    if (d) {
      d.x1 = e.offsetX;
      if (d.pan) {
        const dt = ((d.x0 - d.x1) / plotW()) * (d.v1 - d.v0);
        view.current = [d.v0 + dt, d.v1 + dt];
        schedule();
      } else requestDraw();
      return;
    }
    const p = pointAt(e.offsetX, e.offsetY);
    hover.current = p ? { x: e.offsetX, y: e.offsetY, ...p } : null;
    setTip(hover.current);
  };
  const onUp = (e: MouseEvent) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.pan) {
      syncURL();
      return;
    }
    if (Math.abs(d.x1 - d.x0) > 4) {
      const a = timeAt(Math.max(GUTTER, Math.min(d.x0, d.x1)));
      const b = timeAt(Math.max(d.x0, d.x1));
      view.current = [a, Math.max(b, a + 100)];
      schedule();
      syncURL();
      return;
    }
    const p = pointAt(e.offsetX, e.offsetY);
    if (p && p.span.agg) {
      // A bucket of short spans: zoom into it.
      const pad = (p.span.e - p.span.b) * 0.5 + 1000;
      view.current = [p.span.b - pad, p.span.e + pad];
      schedule();
      syncURL();
      return;
    }
    selected.current = p;
    setSel(p);
    requestDraw();
  };

  useEffect(() => {
    const ro = new ResizeObserver(() => schedule());
    ro.observe(canvas.current!);
    return () => ro.disconnect();
  }, []);

  return (
    <div class="timeline">
      <div class="toolbar muted small">
        Wheel or W/S: zoom · Shift+wheel, A/D or Shift+drag: pan · drag: zoom to a range · click: select a
        span · gray: spans shorter than a pixel (click to zoom in) {loading ? " · loading…" : ""}
      </div>
      {error !== undefined && <ErrorBox error={error} what="the spans" />}
      {threads.length === 0 && (
        <Empty>
          This process recorded no thread in this range. Spans are recorded when the program runs with
          MICROMEGAS_ENABLE_CPU_TRACING=true.
        </Empty>
      )}
      <div class="canvas-wrap">
        <canvas
          ref={canvas}
          tabIndex={0}
          data-testid="timeline-canvas"
          onMouseDown={onDown}
          onMouseMove={onMove}
          onMouseUp={onUp}
          onMouseLeave={() => {
            drag.current = null;
            setTip(null);
          }}
        />
        {tip && (
          <div
            class="tooltip"
            style={{ left: `${tip.x + 14}px`, top: `${tip.y + 14}px` }}
            data-testid="span-tooltip"
          >
            {tip.span.agg ? (
              <>
                <b>{tip.span.n.toLocaleString("en-US")} short spans</b>
                <div>each under a pixel; click to zoom in</div>
              </>
            ) : (
              <>
                <b>{tip.span.name}</b>
                <div>{formatDuration(tip.span.e - tip.span.b)}</div>
                <div class="muted">{tip.span.target}</div>
                {tip.span.file && (
                  <div class="muted">
                    {tip.span.file}:{tip.span.line}
                  </div>
                )}
              </>
            )}
          </div>
        )}
      </div>
      {sel && <SpanDetails pid={pid} base={base.current} sel={sel} />}
    </div>
  );
}

/** SpanDetails shows the selected span and the total time of its children, by name. */
function SpanDetails({ pid, base, sel }: { pid: string; base: bigint; sel: Selected }) {
  const s = sel.span;
  const bNs = base + BigInt(Math.round(s.b));
  const eNs = base + BigInt(Math.round(s.e));
  const load = useLoad(
    (signal) =>
      query(
        sel.track.kind === "thread"
          ? threadChildrenSQL(sel.track.streamId!, s.id!, s.depth, bNs, eNs)
          : asyncChildrenSQL(pid, s.id!, bNs, eNs),
        { beginMs: nsToMs(bNs) - 1, endMs: nsToMs(eNs) + 1, signal },
      ),
    [sel],
  );
  const kids = load.data ? (rows(load.data) as { name: string; n: number; total: number }[]) : [];
  const total = kids.reduce((a, k) => a + Number(k.total), 0);
  const dur = s.e - s.b;
  return (
    <div class="span-details" data-testid="span-details">
      <h3>
        {s.name} <span class="muted">{formatDuration(dur)}</span>
      </h3>
      <div class="muted small">
        {sel.track.title} · {s.target} · {s.file}:{s.line} · from {formatTime(nsToMs(bNs))}
        {s.traceId && (
          <>
            {" · "}
            <a
              href={`/traces/${s.traceId}?process=${pid}`}
              data-testid="span-trace"
              title={`the trace ${s.traceId}, with the async spans of this process`}
            >
              trace
            </a>
          </>
        )}
      </div>
      {load.error !== undefined && <ErrorBox error={load.error} what="the children" />}
      {load.data && (
        <>
          <p data-testid="children-total">
            Children: <b>{formatDuration(total)}</b> ({dur > 0 ? ((100 * total) / dur).toFixed(1) : "0"}% of
            the span) · self time {formatDuration(Math.max(0, dur - total))}
          </p>
          {kids.length > 0 && (
            <table class="data small">
              <thead>
                <tr>
                  <th>child</th>
                  <th>calls</th>
                  <th>total</th>
                </tr>
              </thead>
              <tbody>
                {kids.map((k) => (
                  <tr key={k.name}>
                    <td>{k.name}</td>
                    <td class="num">{Number(k.n).toLocaleString("en-US")}</td>
                    <td class="num">{formatDuration(Number(k.total))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

/** toSpans reads the rows of threadSpansSQL / asyncSpansSQL. */
export function toSpans(f: import("../arrow").Frame): Span[] {
  const c = Object.fromEntries(f.columns.map((x) => [x.name, x.values]));
  const out: Span[] = new Array(f.length);
  for (let i = 0; i < f.length; i++) {
    out[i] = {
      agg: !!c.agg[i],
      depth: Number(c.depth[i]),
      b: Number(c.b[i]),
      e: Number(c.e[i]),
      id: c.id[i] === null ? null : Number(c.id[i]),
      name: (c.name[i] as string) ?? "",
      target: (c.target[i] as string) ?? "",
      file: (c.filename[i] as string) ?? "",
      line: Number(c.line[i] ?? 0),
      n: Number(c.n[i]),
    };
    const trace = c.trace_id?.[i];
    if (trace) out[i].traceId = String(trace);
  }
  return out;
}

/** axisLabel writes a tick: the wall time, to the precision the step needs. */
function axisLabel(base: bigint, t: number, step: number): string {
  const ms = nsToMs(base + BigInt(Math.round(t)));
  const s = formatTime(ms, false);
  const digits = step >= 1e9 ? 0 : step >= 1e6 ? 3 : 6;
  const dot = s.indexOf(".");
  if (dot < 0) return digits ? s + "." + "0".repeat(digits) : s;
  return digits ? s.slice(0, dot + 1 + digits).padEnd(dot + 1 + digits, "0") : s.slice(0, dot);
}
