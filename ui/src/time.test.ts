import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatISO,
  formatLogTime,
  msToNs,
  niceStep,
  nsToISO,
  nsToMs,
  parseISO,
  parseTimeSpec,
  rangeLabel,
} from "./time";

const NOW = Date.UTC(2024, 4, 6, 12, 0, 0);

describe("parseTimeSpec", () => {
  it.each([
    ["now", NOW],
    ["now-15m", NOW - 15 * 60e3],
    ["now-1h", NOW - 3600e3],
    ["now - 2d", NOW - 2 * 86400e3],
    ["now-1.5h", NOW - 5400e3],
    ["2024-05-06T07:08:09Z", Date.UTC(2024, 4, 6, 7, 8, 9)],
    ["2024-05-06 07:08:09", Date.UTC(2024, 4, 6, 7, 8, 9)],
    ["2024-05-06T07:08:09.123456789Z", Date.UTC(2024, 4, 6, 7, 8, 9) + 123.456789],
    ["2024-05-06T09:08:09+02:00", Date.UTC(2024, 4, 6, 7, 8, 9)],
    ["2024-05-06T07:08Z", Date.UTC(2024, 4, 6, 7, 8, 0)],
  ])("%s", (spec, want) => {
    expect(parseTimeSpec(spec, NOW)).toBeCloseTo(want, 6);
  });
  it.each(["", "yesterday", "now+1h", "now-1y", "2024-13-45T00:00:00Z", "12:00"])("rejects %s", (spec) => {
    expect(parseTimeSpec(spec, NOW)).toBeNull();
  });
});

describe("formatISO", () => {
  it("keeps microseconds and drops trailing zeros", () => {
    const t = Date.UTC(2024, 4, 6, 7, 8, 9);
    expect(formatISO(t)).toBe("2024-05-06T07:08:09Z");
    expect(formatISO(t + 123.456)).toBe("2024-05-06T07:08:09.123456Z");
    expect(formatISO(t + 0.5)).toBe("2024-05-06T07:08:09.0005Z");
    expect(parseISO(formatISO(t + 1.234567))).toBeCloseTo(t + 1.234567, 3);
    expect(formatLogTime(t + 5)).toBe("2024-05-06 07:08:09.005000");
  });
  it("rounds up across a millisecond", () => {
    const t = Date.UTC(2024, 4, 6, 7, 8, 9);
    expect(formatISO(t + 0.9999996)).toBe("2024-05-06T07:08:09.001Z");
  });
});

describe("nanoseconds", () => {
  it("round-trip exactly", () => {
    const ns = 1714979289123456789n;
    expect(nsToISO(ns)).toBe("2024-05-06T07:08:09.123456789Z");
    expect(nsToMs(ns)).toBeCloseTo(1714979289123.456789, 3);
    expect(msToNs(1714979289123.5)).toBe(1714979289123500000n);
  });
});

describe("labels", () => {
  it.each([
    ["now-1h", "now", "Last 1 hour"],
    ["now-3h", "now", "Last 3h"],
    ["2024-05-06T07:08:09Z", "2024-05-06T08:00:00Z", "2024-05-06 07:08:09 → 2024-05-06 08:00:00"],
  ])("%s → %s", (f, t, want) => expect(rangeLabel(f, t)).toBe(want));
  it.each([
    [12, "12 ns"],
    [1500, "1.50 µs"],
    [2_500_000, "2.50 ms"],
    [42e9, "42.0 s"],
    [90e9, "1.50 min"],
  ])("duration %d", (ns, want) => expect(formatDuration(ns)).toBe(want));
  it("steps are round", () => {
    expect(niceStep(1000, 10)).toBe(100);
    expect(niceStep(1000, 4)).toBe(200);
    expect(niceStep(7, 2)).toBe(5);
  });
});
