import { describe, expect, it } from "vitest";
import { hit, packLanes, threadRows, visibleRange, zoomAt, type Span } from "./model";

const sp = (b: number, e: number, depth = 1, name = "s"): Span => ({
  b,
  e,
  depth,
  name,
  id: b,
  target: "",
  file: "",
  line: 0,
  n: 1,
  agg: false,
});

describe("timeline model", () => {
  it("puts thread spans in rows by depth, the root left out", () => {
    const rows = threadRows([sp(5, 6, 2), sp(0, 10, 1), sp(1, 2, 2), sp(0, 100, 0)]);
    expect(rows.map((r) => r.map((s) => s.b))).toEqual([[0], [1, 5]]);
  });
  it("packs overlapping async spans in lanes per depth", () => {
    const lanes = packLanes([sp(0, 10, 0, "a"), sp(5, 15, 0, "b"), sp(10, 20, 0, "c"), sp(1, 2, 1, "d")]);
    expect(lanes.map((l) => l.map((s) => s.name))).toEqual([["a", "c"], ["b"], ["d"]]);
  });
  it("caps lanes", () => {
    const many = Array.from({ length: 10 }, () => sp(0, 10, 0));
    expect(packLanes(many, 3).map((l) => l.length)).toEqual([1, 1, 8]);
  });
  it("finds the span under the mouse", () => {
    const row = [sp(0, 10), sp(20, 30), sp(40, 41)];
    expect(hit(row, 25, 0)?.b).toBe(20);
    expect(hit(row, 15, 0)).toBeNull();
    expect(hit(row, 42, 2)?.b).toBe(40); // thin spans are easier to hit
    expect(hit([], 1, 1)).toBeNull();
  });
  it("selects the visible spans", () => {
    const row = [sp(0, 10), sp(20, 30), sp(40, 50), sp(60, 70)];
    expect(visibleRange(row, 25, 45)).toEqual([1, 3]);
    expect(visibleRange(row, 100, 200)).toEqual([4, 4]);
    expect(visibleRange(row, -10, -5)).toEqual([0, 0]);
  });
  it("zooms around a point", () => {
    expect(zoomAt(0, 100, 50, 0.5, 1)).toEqual([25, 75]);
    expect(zoomAt(0, 100, 50, 0.5)).toEqual([0, 100]); // 100 ns at least
    expect(zoomAt(0, 100, 0, 2)).toEqual([0, 200]);
    expect(zoomAt(0, 100, 50, 1e-9, 10)).toEqual([45, 55]);
  });
});
