import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { query } from "../api";
import { col } from "../arrow";
import { Chart } from "../components/Chart";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { mark, useLoad } from "../hooks";
import { LEVELS, levelName } from "../levels";
import type { Range } from "../range";
import { setParams, useRoute } from "../router";
import { contains, ts, uuid } from "../sql";
import { formatLogTime, msToNs, nsToISO, nsToMs } from "../time";
import { traceHref } from "../trace/links";
import { basename } from "./ProcessesPage";
import { binsFromCounts, chartBins, histogramWidth, LogIndex, type Bin } from "./logindex";

const ROW_H = 20;
const PAGE = 200;
const MAX_SCROLL_PX = 15_000_000; // browsers cap element heights near 16-33 M px
const HIST_BINS = 1000;
const REFINE_OFFSET = 20_000;

interface LogRow {
  time: number;
  level: number;
  target: string;
  msg: string;
  process_id?: string;
  exe?: string;
  trace_id?: string | null;
}

/** LogViewer shows log entries newest first with level, target and text filters, over any number of rows:
 * a histogram of the range maps scroll positions to time bins and pages of 200 rows are fetched on demand. */
export function LogViewer({ pid, range }: { pid?: string; range: Range }) {
  const { params } = useRoute();
  const level = Number(params.get("level") ?? "6");
  const target = params.get("target") ?? "";
  const search = params.get("search") ?? "";
  const source = pid ? `view_instance('log_entries', ${uuid(pid)})` : "log_entries";
  const begin = useMemo(() => msToNs(range.beginMs), [range.beginMs]);
  const end = useMemo(() => msToNs(range.endMs), [range.endMs]);
  const filters = [
    level < 6 ? `level <= ${Math.max(1, Math.floor(level))}` : "",
    target ? contains("target", target) : "",
    search ? contains("msg", search) : "",
  ]
    .filter(Boolean)
    .join(" AND ");
  const where = (lower: bigint, upper: bigint) =>
    `time >= ${ts(nsToISO(lower))} AND time < ${ts(nsToISO(upper))}${filters ? " AND " + filters : ""}`;
  const opts = { beginMs: range.beginMs, endMs: range.endMs };

  const hist = useLoad(
    async (signal) => {
      const w = histogramWidth(begin, end, HIST_BINS);
      const f = await query(
        `SELECT (epoch_ns(time) - ${begin}) // ${w} AS bin, count(*) AS n FROM ${source}
         WHERE ${where(begin, end)} GROUP BY bin`,
        { ...opts, signal },
      );
      const b = col(f, "bin").values;
      const n = col(f, "n").values;
      const counts: [number, number][] = b.map((k, i) => [Number(k), Number(n[i])]);
      return new LogIndex(binsFromCounts(begin, w, counts, end));
    },
    [source, begin, end, filters, range.tick],
  );
  const targets = useLoad(
    (signal) =>
      query(
        `SELECT target, sum(count) AS n FROM log_stats WHERE time_bin >= ${ts(nsToISO(begin - 60_000_000_000n))}
         ${pid ? `AND process_id = ${uuid(pid)}` : ""} GROUP BY target ORDER BY n DESC LIMIT 200`,
        { signal },
      ).then((f) => col(f, "target").values as string[]),
    [pid, begin, range.tick],
  );
  const index = hist.data;
  useEffect(() => {
    if (index) mark("logs-index");
  }, [index]);

  // Pages of rows, fetched on demand as the list scrolls.
  const [, setVersion] = useState(0);
  // The pages belong to one index: a new index (filters, range, refresh) starts with none.
  const pagesOf = useRef<{ idx?: LogIndex; map: Map<number, LogRow[] | "loading" | Error> }>({
    map: new Map(),
  });
  if (pagesOf.current.idx !== index) pagesOf.current = { idx: index, map: new Map() };
  const pages = { current: pagesOf.current.map };
  const wanted = useRef<number[]>([]);

  const fetchPage = async (p: number, idx: LogIndex) => {
    const map = pagesOf.current.map;
    map.set(p, "loading");
    try {
      let q = idx.page(p * PAGE, PAGE);
      if (q.offset > REFINE_OFFSET) {
        // A bin holding many rows: count it in finer bins, so the offset is small.
        const bin = idx.bins[q.bin];
        const w = histogramWidth(bin.start, bin.end, HIST_BINS);
        const f = await query(
          `SELECT (epoch_ns(time) - ${bin.start}) // ${w} AS bin, count(*) AS n FROM ${source}
           WHERE ${where(bin.start, bin.end)} GROUP BY bin`,
          opts,
        );
        const counts: [number, number][] = col(f, "bin").values.map((k, i) => [
          Number(k),
          Number(col(f, "n").values[i]),
        ]);
        const finer: Bin[] = binsFromCounts(bin.start, w, counts, bin.end);
        if (finer.length > 1 && idx.refine(q.bin, finer)) q = idx.page(p * PAGE, PAGE);
      }
      const extra = (pid ? "" : ", process_id, exe") + ", property_get(properties, 'trace_id') AS trace_id";
      const f = await query(
        `SELECT time, level, target, msg${extra} FROM ${source} WHERE ${where(q.lower, q.upper)}
         ORDER BY time DESC LIMIT ${PAGE} OFFSET ${q.offset}`,
        opts,
      );
      const cols = Object.fromEntries(f.columns.map((c) => [c.name, c.values]));
      const out: LogRow[] = [];
      for (let i = 0; i < f.length; i++) {
        out.push({
          time: cols.time[i] as number,
          level: cols.level[i] as number,
          target: cols.target[i] as string,
          msg: cols.msg[i] as string,
          process_id: cols.process_id?.[i] as string | undefined,
          exe: cols.exe?.[i] as string | undefined,
          trace_id: cols.trace_id?.[i] as string | null | undefined,
        });
      }
      if (pagesOf.current.idx === idx) map.set(p, out);
      mark("logs-first-page");
    } catch (e) {
      if (pagesOf.current.idx === idx) map.set(p, e as Error);
    }
    setVersion((v) => v + 1);
  };

  // Virtual scrolling.
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [viewH, setViewH] = useState(600);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [index !== undefined]);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setTop(0);
  }, [filters, begin, end]);
  const total = index?.total ?? 0;
  const fullH = total * ROW_H;
  const height = Math.min(fullH, MAX_SCROLL_PX);
  const visible = Math.ceil(viewH / ROW_H) + 1;
  // With more rows than the browser can scroll, positions are scaled.
  const first =
    fullH <= MAX_SCROLL_PX
      ? Math.floor(top / ROW_H)
      : Math.floor((top / Math.max(1, height - viewH)) * Math.max(0, total - visible + 1));
  const from = Math.max(0, first - 10);
  const to = Math.min(total, first + visible + 10);
  useEffect(() => {
    if (!index) return;
    const need: number[] = [];
    for (let p = Math.floor(from / PAGE); p <= Math.floor((to - 1) / PAGE) && p * PAGE < total; p++) {
      if (!pages.current.has(p)) need.push(p);
    }
    wanted.current = need;
    if (need.length === 0) return;
    // While scrolling fast, only the pages still wanted after a short pause are fetched.
    const t = setTimeout(
      () => wanted.current.forEach((p) => !pages.current.has(p) && fetchPage(p, index)),
      60,
    );
    return () => clearTimeout(t);
  }, [index, from, to]);

  const rowsOut = [];
  for (let r = from; r < to; r++) {
    const page = pages.current.get(Math.floor(r / PAGE));
    const y = fullH <= MAX_SCROLL_PX ? r * ROW_H : top + (r - first) * ROW_H;
    const row = Array.isArray(page) ? page[r % PAGE] : undefined;
    rowsOut.push(
      <div class={`logrow${row ? " l" + row.level : ""}`} style={{ top: `${y}px` }} key={r} data-row={r}>
        {row ? (
          <>
            <span class="t">{formatLogTime(row.time)}</span>
            <span class="lv">{levelName(row.level)}</span>
            {!pid && (
              <a class="proc" href={`/process/${row.process_id}?tab=logs`} title={row.process_id}>
                {basename(row.exe ?? "")}
              </a>
            )}
            <span class="tg" title={row.target}>
              {row.target}
            </span>
            {row.trace_id && (
              <a class="trace-link" href={traceHref(row.trace_id)} title={`trace ${row.trace_id}`}>
                trace
              </a>
            )}
            <span class="m">{row.msg}</span>
          </>
        ) : page instanceof Error ? (
          <span class="m err">could not load these rows: {page.message}</span>
        ) : (
          <span class="m muted">…</span>
        )}
      </div>,
    );
  }
  const chart = useMemo(() => {
    if (!index) return null;
    const c = chartBins(index.bins, begin, end, 150, nsToMs);
    return { x: c.x, series: [{ label: "entries", values: c.y, color: "#4f8cc9" }] };
  }, [index]);
  return (
    <div class="logs">
      <LogFilters
        level={level}
        target={target}
        search={search}
        targets={targets.data ?? []}
        source={source}
      />
      {hist.error !== undefined && <ErrorBox error={hist.error} what="the log entries" />}
      {chart && total > 0 && (
        <Chart x={chart.x} series={chart.series} bars legend={false} height={90} testid="log-volume" />
      )}
      {index && (
        <div class="muted small" data-testid="log-count">
          {total.toLocaleString("en-US")} entries, newest first
          {hist.loading ? " (refreshing…)" : ""}
        </div>
      )}
      {index && total === 0 && (
        <Empty>
          No log entry matches in {range.label.toLowerCase()}. Loosen the filters or widen the time range
          (drag on a chart to zoom, or pick a range at the top right).
        </Empty>
      )}
      {index && total > 0 && (
        <div
          class="logscroll"
          ref={scroller}
          onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}
          data-testid="log-scroll"
        >
          <div style={{ height: `${height}px`, position: "relative" }}>{rowsOut}</div>
        </div>
      )}
    </div>
  );
}

/** LogFilters edits level, target and search in the URL (typing is debounced). */
function LogFilters({
  level,
  target,
  search,
  targets,
  source,
}: {
  level: number;
  target: string;
  search: string;
  targets: string[];
  source: string;
}) {
  const [t, setT] = useState(target);
  const [s, setS] = useState(search);
  useEffect(() => setT(target), [target]);
  useEffect(() => setS(search), [search]);
  useEffect(() => {
    const h = setTimeout(() => setParams({ target: t, search: s }, true), 350);
    return () => clearTimeout(h);
  }, [t, s]);
  return (
    <div class="filters">
      <label>
        Level{" "}
        <select
          value={String(level)}
          data-testid="level-filter"
          onChange={(e) =>
            setParams({
              level:
                (e.target as HTMLSelectElement).value === "6" ? null : (e.target as HTMLSelectElement).value,
            })
          }
        >
          {LEVELS.slice(1).map((name, i) => (
            <option value={String(i + 1)} key={name}>
              {i + 1 === 6 ? "all (trace and above)" : `${name} and above`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Target{" "}
        <input
          list="log-targets"
          value={t}
          placeholder="contains…"
          data-testid="target-filter"
          onInput={(e) => setT((e.target as HTMLInputElement).value)}
        />
        <datalist id="log-targets">
          {targets.map((x) => (
            <option value={x} key={x} />
          ))}
        </datalist>
      </label>
      <label class="grow">
        Search{" "}
        <input
          type="search"
          value={s}
          placeholder="text in the message (case-sensitive)"
          data-testid="log-search"
          onInput={(e) => setS((e.target as HTMLInputElement).value)}
        />
      </label>
      <a
        class="button"
        href={`/notebooks/new?sql=${encodeURIComponent(`SELECT time, level, target, msg FROM ${source} WHERE ${target ? contains("target", target) + " AND " : ""}${search ? contains("msg", search) + " AND " : ""}level <= ${level} AND time >= $from AND time < $to ORDER BY time DESC LIMIT 1000`)}`}
        title="Open these logs as a notebook cell, to edit the SQL"
      >
        SQL
      </a>
    </div>
  );
}
