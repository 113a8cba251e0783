import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { query } from "../api";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { mark, useLoad } from "../hooks";
import type { Range } from "../range";
import { setParams, useRoute } from "../router";
import { formatDuration, msToNs } from "../time";
import { buildFlame, findPath, flameSQL, layoutFlame, type FlameRect } from "../timeline/flame";
import { color } from "../timeline/model";
import type { Thread } from "./streams";

const ROW = 20;

/** FlameTab draws span time over the range aggregated by call path, threads merged under one root.
 * Click a frame to zoom into it (kept in the URL), click the root to zoom out. */
export function FlameTab({ pid, range, threads }: { pid: string; range: Range; threads: Thread[] }) {
  const { params } = useRoute();
  const focusPath = (params.get("focus") ?? "").split("/").filter(Boolean).map(decodeURIComponent);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [tip, setTip] = useState<{ x: number; y: number; r: FlameRect } | null>(null);
  const load = useLoad(
    async (signal) => {
      if (threads.length === 0) return null;
      const f = await query(
        flameSQL(
          threads.map((t) => t.streamId),
          msToNs(range.beginMs),
          msToNs(range.endMs),
        ),
        {
          beginMs: range.beginMs,
          endMs: range.endMs,
          signal,
        },
      );
      const path = f.columns.find((c) => c.name === "path")!.values;
      const total = f.columns.find((c) => c.name === "total")!.values;
      const n = f.columns.find((c) => c.name === "n")!.values;
      return buildFlame(
        path.map((p, i) => ({
          path: JSON.parse(String(p)) as string[],
          total: Number(total[i]),
          count: Number(n[i]),
        })),
      );
    },
    [pid, threads.map((t) => t.streamId).join(","), range.beginMs, range.endMs, range.tick],
  );
  const root = load.data ?? null;
  const chain = root ? (findPath(root, focusPath) ?? [root]) : null;
  const focus = chain ? chain[chain.length - 1] : null;
  const rects = useMemo(() => (focus ? layoutFlame(focus, 0.0005) : []), [focus]);
  const depth = rects.reduce((m, r) => Math.max(m, r.depth), 0) + 1;

  useEffect(() => {
    const c = canvas.current;
    if (!c || !focus) return;
    const draw = () => {
      const dpr = window.devicePixelRatio || 1;
      const W = c.clientWidth;
      const H = depth * ROW;
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
      c.style.height = `${H}px`;
      const g = c.getContext("2d")!;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.fillStyle = "#14181f";
      g.fillRect(0, 0, W, H);
      g.font = "11px ui-monospace, SFMono-Regular, Menlo, monospace";
      g.textBaseline = "middle";
      for (const r of rects) {
        const x = r.x * W;
        const w = Math.max(1, r.w * W - 1);
        const y = r.depth * ROW;
        g.fillStyle = r.depth === 0 ? "#3b4452" : color(r.node.name);
        g.fillRect(x, y + 1, w, ROW - 2);
        if (w > 30) {
          g.save();
          g.beginPath();
          g.rect(x, y, w, ROW);
          g.clip();
          g.fillStyle = r.depth === 0 ? "#e6e9ee" : "#0b0e13";
          g.fillText(`${r.node.name} ${formatDuration(r.node.total)}`, x + 4, y + ROW / 2);
          g.restore();
        }
      }
      mark("flame-drawn");
    };
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(c);
    return () => ro.disconnect();
  }, [rects, depth]);

  const at = (x: number, y: number) => {
    const W = canvas.current!.clientWidth;
    const d = Math.floor(y / ROW);
    return rects.find((r) => r.depth === d && x >= r.x * W && x <= (r.x + r.w) * W) ?? null;
  };
  const onClick = (e: MouseEvent) => {
    const r = at(e.offsetX, e.offsetY);
    if (!r || !chain) return;
    if (r.depth === 0) {
      setParams({ focus: focusPath.slice(0, -1).map(encodeURIComponent).join("/") || null });
      return;
    }
    // The path of the clicked node: the focus's path, then the names down to it.
    const names: string[] = [];
    let n = r.node;
    const parents = new Map<object, typeof n>();
    const walk = (p: typeof n) => p.children.forEach((c) => (parents.set(c, p), walk(c)));
    walk(focus!);
    while (n !== focus) {
      names.unshift(n.name);
      n = parents.get(n)!;
    }
    setParams({ focus: [...focusPath, ...names].map(encodeURIComponent).join("/") });
  };
  return (
    <div class="flame">
      {load.error !== undefined && <ErrorBox error={load.error} what="the flame graph" />}
      {threads.length === 0 && <Empty>No thread recorded spans in this range.</Empty>}
      {root && root.total === 0 && <Empty>No span in this range: widen it, or pick another process.</Empty>}
      {load.loading && <div class="muted small">Aggregating spans…</div>}
      {chain && chain.length > 1 && (
        <div class="crumbs small">
          {chain.map((n, i) => (
            <a
              key={i}
              href="#"
              onClick={(e) => (
                e.preventDefault(),
                setParams({ focus: focusPath.slice(0, i).map(encodeURIComponent).join("/") || null })
              )}
            >
              {n.name}
            </a>
          ))}
        </div>
      )}
      {root && root.total > 0 && (
        <div class="canvas-wrap">
          <canvas
            ref={canvas}
            data-testid="flame-canvas"
            onClick={onClick}
            onMouseMove={(e) => {
              const r = at(e.offsetX, e.offsetY);
              setTip(r ? { x: e.offsetX, y: e.offsetY, r } : null);
            }}
            onMouseLeave={() => setTip(null)}
          />
          {tip && (
            <div class="tooltip" style={{ left: `${tip.x + 14}px`, top: `${tip.y + 14}px` }}>
              <b>{tip.r.node.name}</b>
              <div>
                {formatDuration(tip.r.node.total)} ·{" "}
                {((100 * tip.r.node.total) / (focus!.total || 1)).toFixed(1)}% ·{" "}
                {tip.r.node.count.toLocaleString("en-US")} calls
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
