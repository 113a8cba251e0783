import { useMemo } from "preact/hooks";
import { query } from "../api";
import { col, rows } from "../arrow";
import { Chart, type Series } from "../components/Chart";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { mark, useLoad } from "../hooks";
import type { Range } from "../range";
import { setParams, useRoute } from "../router";
import { str, ts, uuid } from "../sql";
import { msToNs, nsToISO } from "../time";
import { metricQuery, seriesOf } from "./metrics";

interface Metric {
  name: string;
  unit: string;
  target: string;
  n: number;
}

/** MetricsTab charts the metrics picked (in the URL) over the range: min/avg/max bands, p50 and p99. */
export function MetricsTab({ pid, range }: { pid: string; range: Range }) {
  const { params } = useRoute();
  const picked = (params.get("metrics") ?? "").split(",").filter(Boolean);
  const list = useLoad(
    (signal) =>
      query(
        `SELECT name, unit, target, sum("count") AS n FROM measure_stats
         WHERE process_id = ${uuid(pid)} AND time_bin >= ${ts(nsToISO(msToNs(range.beginMs) - 60_000_000_000n))}
           AND time_bin < ${ts(nsToISO(msToNs(range.endMs)))}
         GROUP BY ALL ORDER BY name`,
        { signal },
      ),
    [pid, range.beginMs, range.endMs, range.tick],
  );
  const metrics = (list.data ? rows(list.data) : []) as unknown as Metric[];
  const names = [...new Set(metrics.map((m) => m.name))];
  // Unless the URL picks some, the first metric of the program itself: the Go runtime's
  // (target go/runtime, recorded by every program using our library) come after.
  const own = metrics.find((m) => m.target !== "go/runtime") ?? metrics[0];
  const shown = picked.length ? picked.filter((p) => names.includes(p)) : own ? [own.name] : [];
  const toggle = (name: string) => {
    const next = shown.includes(name) ? shown.filter((n) => n !== name) : [...shown, name];
    setParams({ metrics: next.join(",") || null });
  };
  return (
    <div class="metrics">
      {list.error !== undefined && <ErrorBox error={list.error} what="the metrics" />}
      {list.data && names.length === 0 && (
        <Empty>This process recorded no metric in {range.label.toLowerCase()}. Widen the time range.</Empty>
      )}
      <div class="metric-list" data-testid="metric-list">
        {names.map((n) => {
          const m = metrics.find((x) => x.name === n)!;
          return (
            <label key={n} class={shown.includes(n) ? "chip on" : "chip"}>
              <input type="checkbox" checked={shown.includes(n)} onChange={() => toggle(n)} /> {n}{" "}
              <span class="muted">
                {m.unit} · {Number(m.n).toLocaleString("en-US")}
              </span>
            </label>
          );
        })}
      </div>
      {shown.map((n) => (
        <MetricChart
          key={n}
          pid={pid}
          name={n}
          unit={metrics.find((m) => m.name === n)?.unit ?? ""}
          range={range}
        />
      ))}
    </div>
  );
}

function MetricChart({ pid, name, unit, range }: { pid: string; name: string; unit: string; range: Range }) {
  const width = Math.max(200, Math.floor((document.body.clientWidth || 1000) / 3));
  const load = useLoad(
    async (signal) => {
      const q = metricQuery({
        source: `view_instance('measures', ${uuid(pid)})`,
        stats: `measure_stats`,
        filter: `name = ${str(name)}`,
        statsFilter: `process_id = ${uuid(pid)} AND name = ${str(name)}`,
        beginMs: range.beginMs,
        endMs: range.endMs,
        points: width,
      });
      const f = await query(q.sql, { beginMs: range.beginMs, endMs: range.endMs, signal });
      return { f, q };
    },
    [pid, name, range.beginMs, range.endMs, range.tick],
  );
  const data = useMemo(() => {
    if (!load.data) return null;
    return seriesOf(
      load.data.f.length,
      col(load.data.f, "t").values as number[],
      (c) => col(load.data!.f, c).values as (number | null)[],
    );
  }, [load.data]);
  if (data) mark("metrics-rendered");
  const series: Series[] | null = useMemo(
    () =>
      data
        ? [
            { label: "max", values: data.max, color: "#e06c75", bandWith: "min" },
            { label: "avg", values: data.avg, color: "#61afef" },
            { label: "min", values: data.min, color: "#98c379" },
            { label: "p50", values: data.p50, color: "#c678dd", dash: [4, 4] },
            { label: "p99", values: data.p99, color: "#e5c07b", dash: [4, 4] },
          ]
        : null,
    [data],
  );
  return (
    <div class="metric-chart" data-testid={`metric-${name}`}>
      <h3>
        {name} <span class="muted">({unit})</span>{" "}
        <span class="muted small">
          {load.data ? `${load.data.q.from}, bins of ${load.data.q.binLabel}` : "loading…"}
        </span>
      </h3>
      {load.error !== undefined && <ErrorBox error={load.error} what={name} />}
      {data && data.t.length === 0 && <Empty>No value of {name} in this range.</Empty>}
      {data && series && data.t.length > 0 && <Chart x={data.t} series={series} unit={unit} />}
    </div>
  );
}
