import { describe, expect, it } from "vitest";
import type { Frame } from "../arrow";
import { autoView, chartData, finalSQL, newCell, parseContent, starterContent, variables } from "./notebook";

const T = Date.UTC(2024, 4, 6, 7, 0, 0);
const frame = (cols: [string, Frame["columns"][0]["kind"], (number | string | null)[]][]): Frame => ({
  columns: cols.map(([name, kind, values]) => ({ name, kind, values })),
  length: cols[0][2].length,
});

describe("notebook", () => {
  it("gives later cells the variables above them, URL values first", () => {
    const cells = [
      { ...newCell("variable"), name: "exe", value: "game" },
      newCell("sql", "SELECT * FROM log_entries WHERE exe = '$exe' AND time >= $from AND $late"),
      { ...newCell("variable"), name: "late", value: "1" },
    ];
    const v = variables(cells, 1, { beginMs: T, endMs: T + 1000 }, new URLSearchParams());
    expect(v.exe).toBe("game");
    expect(v.late).toBeUndefined();
    expect(finalSQL(cells[1], v)).toBe(
      "SELECT * FROM log_entries WHERE exe = 'game' AND time >= CAST('2024-05-06 07:00:00.000000000' AS TIMESTAMP_NS) AND $late",
    );
    const o = variables(cells, 3, { beginMs: T, endMs: T + 1000 }, new URLSearchParams("var-exe=server"));
    expect([o.exe, o.late]).toEqual(["server", "1"]);
  });
  it.each([
    [
      [
        ["time", "time", [T]],
        ["msg", "string", ["m"]],
      ],
      "log",
    ],
    [
      [
        ["minute", "time", [T]],
        ["n", "bigint", [1]],
      ],
      "line",
    ],
    [
      [
        ["name", "string", ["a"]],
        ["n", "bigint", [1]],
      ],
      "table",
    ],
  ] as const)("shows %j as %s", (cols, want) => {
    expect(autoView(frame(cols as never))).toBe(want);
  });
  it("charts number columns against time, sorted", () => {
    const d = chartData(
      frame([
        ["t", "time", [T + 2, T, null]],
        ["n", "number", [2, 1, 9]],
        ["s", "string", ["a", "b", "c"]],
      ]),
    );
    expect(d).toEqual({ x: [T, T + 2], series: [{ label: "n", values: [1, 2] }] });
    expect(chartData(frame([["s", "string", ["a"]]]))).toBeNull();
  });
  it("reads saved content leniently", () => {
    expect(parseContent(undefined).cells).toEqual([]);
    const c = parseContent({ cells: [{ type: "sql", text: "SELECT 1", id: "x" }, { type: "evil" }, null] });
    expect(c.cells.map((x) => [x.id, x.type, x.text])).toEqual([["x", "sql", "SELECT 1"]]);
    expect(starterContent("SELECT 2").cells.map((x) => x.text)).toEqual(["SELECT 2"]);
    expect(starterContent().cells.map((x) => x.type)).toEqual(["markdown", "variable", "sql"]);
  });
});
