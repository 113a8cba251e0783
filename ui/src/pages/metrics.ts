// The SQL of a metric chart and the shaping of its result (unit-tested).
import { ts } from "../sql";
import { formatDuration, msToNs, nsToISO } from "../time";

const MINUTE_NS = 60_000_000_000n;

/** The query of a chart. */
export interface MetricQuery {
  sql: string;
  /** measure_stats (per-minute sketches) or measures (raw values). */
  from: "measure_stats" | "measures";
  binNs: bigint;
  binLabel: string;
}

/** metricQuery bins a metric into about `points` bins over the range: from measure_stats when a bin spans
 * whole minutes (min/avg/max exact, p50/p99 from the merged sketches), from the raw values otherwise. */
export function metricQuery(o: {
  source: string;
  stats: string;
  filter: string;
  statsFilter: string;
  beginMs: number;
  endMs: number;
  points: number;
}): MetricQuery {
  const b = msToNs(o.beginMs);
  const e = msToNs(o.endMs);
  let bin = (e - b) / BigInt(Math.max(1, o.points));
  if (bin < 1n) bin = 1n;
  if (bin >= MINUTE_NS) {
    // Whole minutes, aligned on minutes like measure_stats.time_bin.
    bin = ((bin + MINUTE_NS - 1n) / MINUTE_NS) * MINUTE_NS;
    const origin = (b / MINUTE_NS) * MINUTE_NS;
    return {
      from: "measure_stats",
      binNs: bin,
      binLabel: formatDuration(Number(bin)),
      sql: `SELECT ${origin} + ((epoch_ns(time_bin) - ${origin}) // ${bin}) * ${bin} AS t_ns,
  make_timestamp_ns(t_ns) AS t, min("min") AS min, sum("sum") / sum("count") AS avg, max("max") AS max,
  quantile_from_sketch(sum_sketches(sketch), 0.5) AS p50, quantile_from_sketch(sum_sketches(sketch), 0.99) AS p99,
  sum("count") AS n
FROM ${o.stats}
WHERE ${o.statsFilter} AND time_bin >= ${ts(nsToISO(origin))} AND time_bin < ${ts(nsToISO(e))}
GROUP BY t_ns ORDER BY t_ns`,
    };
  }
  return {
    from: "measures",
    binNs: bin,
    binLabel: formatDuration(Number(bin)),
    sql: `SELECT ${b} + ((epoch_ns(time) - ${b}) // ${bin}) * ${bin} AS t_ns,
  make_timestamp_ns(t_ns) AS t, min(value) AS min, avg(value) AS avg, max(value) AS max,
  quantile_cont(value, 0.5) AS p50, quantile_cont(value, 0.99) AS p99, count(*) AS n
FROM ${o.source}
WHERE ${o.filter} AND time >= ${ts(nsToISO(b))} AND time < ${ts(nsToISO(e))}
GROUP BY t_ns ORDER BY t_ns`,
  };
}

/** The series of a chart, aligned on t (float ms). */
export interface MetricSeries {
  t: number[];
  min: (number | null)[];
  avg: (number | null)[];
  max: (number | null)[];
  p50: (number | null)[];
  p99: (number | null)[];
}

/** seriesOf reads the chart's columns from a result of metricQuery. */
export function seriesOf(n: number, t: number[], get: (name: string) => (number | null)[]): MetricSeries {
  const pick = (name: string) => get(name).slice(0, n);
  return {
    t: t.slice(0, n),
    min: pick("min"),
    avg: pick("avg"),
    max: pick("max"),
    p50: pick("p50"),
    p99: pick("p99"),
  };
}
