import { describe, expect, it } from "vitest";
import { buildFlame, findPath, flameSQL, layoutFlame } from "./flame";

describe("flame graph", () => {
  const root = buildFlame([
    { path: ["main"], total: 100, count: 1 },
    { path: ["main", "run"], total: 60, count: 1 },
    { path: ["main", "run", "item"], total: 50, count: 3 },
    { path: ["main", "idle"], total: 30, count: 2 },
    { path: ["async-p1"], total: 80, count: 1 }, // a thread without spans
    { path: ["worker"], total: 5, count: 1 }, // clipped: less than its children
    { path: ["worker", "job"], total: 9, count: 4 },
  ]);
  it("builds the tree from call paths", () => {
    expect(root.children.map((c) => c.name)).toEqual(["main", "worker"]);
    const main = root.children[0];
    expect(main.children.map((c) => [c.name, c.total, c.count])).toEqual([
      ["idle", 30, 2],
      ["run", 60, 1],
    ]);
    expect(root.children[1].total).toBe(9);
    expect(root.total).toBe(109);
  });
  it("lays out widths proportional to time and drops thin frames", () => {
    const rects = layoutFlame(root.children[0], 0.2);
    expect(rects.map((r) => [r.node.name, r.x, r.w, r.depth])).toEqual([
      ["main", 0, 1, 0],
      ["idle", 0, 0.3, 1],
      ["run", 0.3, 0.6, 1],
      ["item", 0.3, 0.5, 2],
    ]);
    expect(layoutFlame(root.children[0], 0.35).map((r) => r.node.name)).toEqual(["main", "run", "item"]);
  });
  it("finds a focus path", () => {
    expect(findPath(root, ["main", "run"])?.map((n) => n.name)).toEqual(["all threads", "main", "run"]);
    expect(findPath(root, ["main", "nope"])).toBeNull();
  });
  it("writes one recursive query over every thread", () => {
    const sql = flameSQL(
      ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"],
      10n,
      20n,
    );
    expect(sql).toContain("SELECT 1 AS k");
    expect(sql).toContain("s.parent = p.id AND s.depth = p.depth + 1");
    expect(sql).toContain('least(epoch_ns("end"), 20) - greatest(epoch_ns("begin"), 10)');
  });
});
