import { describe, expect, it } from "vitest";
import type { Frame } from "../arrow";
import { attributesOf, eventsOf, logsSQL, spansOf, spansSQL } from "./queries";

const frame = (cols: Record<string, (number | string | null)[]>): Frame => ({
  columns: Object.entries(cols).map(([name, values]) => ({ name, kind: "string", values })),
  length: Object.values(cols)[0].length,
});

describe("trace queries", () => {
  it("look a trace up by its id, so that the trace-id filters apply", () => {
    expect(spansSQL("4bf92f3577b34da6a3ce929d0e0e4736")).toMatch(
      /FROM otel_spans WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' ORDER BY "begin"/,
    );
    const logs = logsSQL(
      "4bf92f3577b34da6a3ce929d0e0e4736",
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1, 0, 0, 1),
    );
    expect(logs).toMatch(/time >= CAST\('2026-01-01 00:00:00\.000000000' AS TIMESTAMP_NS\)/);
    expect(logs).toMatch(/property_get\(properties, 'trace_id'\) = '4bf92f3577b34da6a3ce929d0e0e4736'/);
  });

  it("convert rows: a null or empty parent is a root, a null end is the start, no service is said", () => {
    const f = frame({
      span_id: ["a", "b"],
      parent_span_id: [null, ""],
      name: ["x", "y"],
      kind: ["server", "internal"],
      begin: [10, 20],
      end: [15, null],
      duration: [5e6, null],
      status_code: ["error", "unset"],
      status_message: ["boom", null],
      service_name: ["api", null],
      process_id: ["p", "q"],
      exe: ["api", "w"],
      scope_name: ["s", null],
      attributes: ['{"k":"v"}', null],
      events: ["[]", null],
      links: [null, null],
    });
    const [a, b] = spansOf(f);
    expect(a).toMatchObject({
      spanId: "a",
      parentId: null,
      end: 15,
      duration: 5e6,
      statusCode: "error",
      service: "api",
    });
    expect(b).toMatchObject({
      parentId: null,
      end: 20,
      duration: 0,
      service: "(no service.name)",
      attributes: "",
    });
  });

  it("read attributes sorted by key, and events; bad JSON is nothing", () => {
    expect(attributesOf('{"b":"2","a":"1","n":3}')).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["n", "3"],
    ]);
    expect(attributesOf("not json")).toEqual([]);
    expect(attributesOf("[1]")).toEqual([]);
    const span = { events: '[{"name":"retry","time":"2026-01-01T00:00:00Z","attributes":{"attempt":"2"}}]' };
    expect(eventsOf(span as never)).toEqual([
      { name: "retry", time: "2026-01-01T00:00:00Z", attributes: { attempt: "2" } },
    ]);
    expect(eventsOf({ events: "{" } as never)).toEqual([]);
  });
});
