import { describe, expect, it } from "vitest";
import { str, substitute, ts, uuid, varsIn } from "./sql";

describe("sql", () => {
  it("quotes strings", () => {
    expect(str("it's")).toBe("'it''s'");
    expect(ts("2024-05-06T07:08:09.123456789Z")).toBe(
      "CAST('2024-05-06 07:08:09.123456789' AS TIMESTAMP_NS)",
    );
  });
  it("accepts only UUIDs as ids", () => {
    expect(uuid("D114E2BE-8639-45B8-B89F-AF9CE559FEED")).toBe("'d114e2be-8639-45b8-b89f-af9ce559feed'");
    expect(() => uuid("x' OR 1=1 --")).toThrow(/not a process or stream id/);
  });
  it.each([
    ["SELECT $a, $ab, $abc", { a: "1", ab: "2" }, "SELECT 1, 2, $abc"],
    ["WHERE t >= $from AND t < $to", { from: "F", to: "T" }, "WHERE t >= F AND t < T"],
    ["$from_iso $from", { from: "F", from_iso: "I" }, "I F"],
    ["no vars", {}, "no vars"],
    ["$exe$exe", { exe: "x" }, "xx"],
  ])("substitutes %s", (sql, vars, want) => expect(substitute(sql, vars)).toBe(want));
  it("lists variables", () => expect(varsIn("SELECT $a + $b_2 + $a")).toEqual(["a", "b_2"]));
});
