import { describe, expect, it } from "vitest";
import { binsFromCounts, chartBins, histogramWidth, LogIndex } from "./logindex";

// Bins of 10 ns from 1000: counts 5, 0 (absent), 3, 7 → bins [1000,1010) [1020,1030) [1030,1040), newest first.
const idx = () =>
  new LogIndex(
    binsFromCounts(
      1000n,
      10n,
      [
        [0, 5],
        [2, 3],
        [3, 7],
      ],
      1040n,
    ),
  );

describe("LogIndex", () => {
  it("orders bins newest first and counts rows", () => {
    const i = idx();
    expect(i.bins.map((b) => [b.start, b.end, b.count])).toEqual([
      [1030n, 1040n, 7],
      [1020n, 1030n, 3],
      [1000n, 1010n, 5],
    ]);
    expect(i.total).toBe(15);
  });
  it.each([
    // row, n → lower, upper, offset
    [0, 5, 1030n, 1040n, 0],
    [0, 7, 1030n, 1040n, 0],
    [0, 8, 1020n, 1040n, 0],
    [6, 2, 1020n, 1040n, 6],
    [7, 3, 1020n, 1030n, 0],
    [8, 100, 1000n, 1030n, 1],
    [14, 1, 1000n, 1010n, 4],
  ])("page(%d, %d)", (r, n, lower, upper, offset) => {
    const q = idx().page(r, n);
    expect([q.lower, q.upper, q.offset]).toEqual([lower, upper, offset]);
  });
  it("refines a bin when the finer counts add up", () => {
    const i = idx();
    expect(
      i.refine(
        0,
        binsFromCounts(
          1030n,
          2n,
          [
            [0, 3],
            [4, 4],
          ],
          1040n,
        ),
      ),
    ).toBe(true);
    expect(i.bins.length).toBe(4);
    expect(i.page(0, 4)).toMatchObject({ lower: 1038n, upper: 1040n, offset: 0 });
    expect(i.page(4, 1)).toMatchObject({ lower: 1030n, upper: 1032n, offset: 0 });
    expect(i.refine(0, binsFromCounts(1038n, 1n, [[0, 1]], 1040n))).toBe(false); // counts differ: kept
    expect(i.total).toBe(15);
  });
  it("picks widths that cover the range", () => {
    expect(histogramWidth(0n, 1000n, 10)).toBe(100n);
    expect(histogramWidth(0n, 1001n, 10)).toBe(101n);
    expect(histogramWidth(0n, 5n, 10)).toBe(1n);
    const last = binsFromCounts(0n, 101n, [[9, 1]], 1001n)[0];
    expect(last.end).toBe(1001n); // the last bin stops at the range's end
  });
  it("merges bins into chart bars", () => {
    const c = chartBins(idx().bins, 1000n, 1040n, 2, (ns) => Number(ns));
    expect(c.x).toEqual([1000, 1020]);
    expect(c.y).toEqual([5, 10]);
  });
});
