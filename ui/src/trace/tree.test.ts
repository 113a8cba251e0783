import { describe, expect, it } from "vitest";
import { buildTree, normalizeTraceId, serviceColors, SERVICE_PALETTE, type SpanKey } from "./tree";

const span = (
  spanId: string,
  parentId: string | null,
  begin: number,
  end = begin + 10,
  name = spanId,
): SpanKey => ({
  spanId,
  parentId,
  name,
  begin,
  end,
});

const shape = (spans: SpanKey[]) =>
  buildTree(spans).rows.map(
    (r) => `${"  ".repeat(r.depth)}${r.span.spanId}${r.orphan ? ` (${r.orphan})` : ""}`,
  );

describe("buildTree", () => {
  const cases: { name: string; spans: SpanKey[]; want: string[] }[] = [
    { name: "empty", spans: [], want: [] },
    {
      name: "children under their parent, by start time, whatever the input order",
      spans: [
        span("c2", "root", 30),
        span("g1", "c1", 12),
        span("root", null, 0, 100),
        span("c1", "root", 10),
      ],
      want: ["root", "  c1", "    g1", "  c2"],
    },
    {
      name: "an empty parent id is a root",
      spans: [span("a", "", 0), span("b", "a", 1)],
      want: ["a", "  b"],
    },
    {
      name: "a missing parent puts the span at the root, marked, with its own children",
      spans: [span("root", null, 0, 100), span("lost", "never-received", 5), span("kid", "lost", 6)],
      want: ["root", "lost (missing-parent)", "  kid"],
    },
    {
      name: "several roots ordered by start",
      spans: [span("late", null, 50), span("early", null, 1), span("orphan", "x", 20)],
      want: ["early", "orphan (missing-parent)", "late"],
    },
    {
      name: "equal starts ordered by name",
      spans: [span("p", null, 0), span("b", "p", 5, 6, "beta"), span("a", "p", 5, 6, "alpha")],
      want: ["p", "  a", "  b"],
    },
    {
      name: "parents in a loop start at the earliest span",
      spans: [span("x", "y", 10), span("y", "x", 5), span("self", "self", 7)],
      want: ["y (cycle)", "  x", "self (cycle)"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(shape(c.spans)).toEqual(c.want));
  }

  it("counts orphans, duplicates, children, depth and the time extent", () => {
    const t = buildTree([
      span("r", null, 100, 200),
      span("a", "r", 110, 250),
      span("a", "r", 0, 1), // a duplicate: the first one wins
      span("b", "a", 120, 130),
      span("o", "gone", 90, 95),
    ]);
    expect(t.duplicates).toBe(1);
    expect(t.orphans).toBe(1);
    expect(t.maxDepth).toBe(2);
    expect(t.begin).toBe(90);
    expect(t.end).toBe(250);
    expect(t.rows.map((r) => [r.span.spanId, r.children])).toEqual([
      ["o", 0],
      ["r", 1],
      ["a", 1],
      ["b", 0],
    ]);
  });

  it("shapes a chain of 10,000 spans and a trace of 10,000 siblings quickly", () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, i));
    const t0 = performance.now();
    const deep = buildTree(chain.reverse());
    expect(deep.rows).toHaveLength(10_000);
    expect(deep.rows[9_999].depth).toBe(9_999);
    const wide = buildTree([
      span("root", null, 0, 1e6),
      ...Array.from({ length: 10_000 }, (_, i) => span(`c${i}`, "root", 10_000 - i)),
    ]);
    expect(wide.rows[1].span.spanId).toBe("c9999");
    expect(wide.rows[0].children).toBe(10_000);
    expect(performance.now() - t0).toBeLessThan(5000); // loose: a shared machine; the browser test measures
  });
});

describe("serviceColors", () => {
  it("gives distinct colors by name order, the same for the same services", () => {
    const a = serviceColors(["orders", "api", "db", "api"]);
    expect([...a.keys()]).toEqual(["api", "db", "orders"]);
    expect(new Set(a.values()).size).toBe(3);
    expect(serviceColors(["db", "orders", "api"])).toEqual(a);
    const many = serviceColors(Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, "0")}`));
    expect(many.get("s10")).toBe(SERVICE_PALETTE[0]);
  });
});

describe("normalizeTraceId", () => {
  const cases: [string, string | null][] = [
    ["4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736"],
    [" 4BF92F3577B34DA6A3CE929D0E0E4736\n", "4bf92f3577b34da6a3ce929d0e0e4736"],
    ["0x4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736"],
    ["00000000000000000000000000000000", null],
    ["4bf92f3577b34da6", null],
    ["4bf92f3577b34da6a3ce929d0e0e473'", null],
    ["", null],
  ];
  for (const [input, want] of cases)
    it(JSON.stringify(input), () => expect(normalizeTraceId(input)).toBe(want));
});
