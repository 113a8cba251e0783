import { describe, expect, it } from "vitest";
import { metricQuery, seriesOf } from "./metrics";

const base = {
  source: "view_instance('measures', 'p')",
  stats: "measure_stats",
  filter: "name = 'x'",
  statsFilter: "name = 'x'",
};
const T = Date.UTC(2024, 4, 6, 7, 0, 0);

describe("metricQuery", () => {
  it("uses raw values for short ranges", () => {
    const q = metricQuery({ ...base, beginMs: T, endMs: T + 60_000, points: 600 });
    expect(q.from).toBe("measures");
    expect(q.binNs).toBe(100_000_000n);
    expect(q.sql).toContain("FROM view_instance('measures', 'p')");
    expect(q.sql).toContain("quantile_cont(value, 0.99)");
  });
  it("uses measure_stats when bins span minutes, aligned on minutes", () => {
    const q = metricQuery({ ...base, beginMs: T + 30_000, endMs: T + 30_000 + 86400e3, points: 600 });
    expect(q.from).toBe("measure_stats");
    expect(q.binNs).toBe(180_000_000_000n); // 144 s rounded up to 3 minutes
    expect(q.sql).toContain("quantile_from_sketch(sum_sketches(sketch), 0.99)");
    expect(q.sql).toContain(`time_bin >= CAST('2024-05-06 07:00:00.000000000' AS TIMESTAMP_NS)`);
  });
  it("never bins below a nanosecond", () => {
    expect(metricQuery({ ...base, beginMs: T, endMs: T + 0.0001, points: 600 }).binNs).toBe(1n);
  });
  it("cuts series to the row count", () => {
    const s = seriesOf(2, [1, 2, 3], (n) => (n === "min" ? [0, 1, 2] : [5, 6, 7]));
    expect(s).toEqual({ t: [1, 2], min: [0, 1], avg: [5, 6], max: [5, 6], p50: [5, 6], p99: [5, 6] });
  });
});
