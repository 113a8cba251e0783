import { describe, expect, it } from "vitest";
import type { Frame } from "../arrow";
import { asyncError, asyncSpansOf, asyncTraceSQL, processesParam, traceProcesses } from "./async";
import type { Span } from "./queries";
import { buildTree } from "./tree";

const frame = (cols: Record<string, (number | string | null)[]>): Frame => ({
  columns: Object.entries(cols).map(([name, values]) => ({ name, kind: "string", values })),
  length: Object.values(cols)[0].length,
});

const PID = "11111111-2222-3333-4444-555555555555";
const PID2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

const otel = (spanId: string, parentId: string | null, begin: number, end: number): Span => ({
  spanId,
  parentId,
  name: `otel ${spanId}`,
  begin,
  end,
  service: "frontend",
  kind: "client",
  duration: (end - begin) * 1e6,
  statusCode: "",
  statusMessage: "",
  processId: PID2,
  exe: "",
  scope: "",
  attributes: "",
  events: "",
  links: "",
});

describe("async spans of a trace", () => {
  it("read one process's begin rows of the trace joined to their end rows", () => {
    const sql = asyncTraceSQL(
      PID,
      "4bf92f3577b34da6a3ce929d0e0e4736",
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 2),
    );
    expect(sql).toMatch(/view_instance\('async_events', '11111111-2222-3333-4444-555555555555'\)/);
    expect(sql).toMatch(/LEFT JOIN ev e ON e.span_id = b.span_id AND e.event_type = 'end'/);
    expect(sql).toMatch(/b.trace_id = '4bf92f3577b34da6a3ce929d0e0e4736'/);
    expect(sql).toMatch(/time >= CAST\('2026-01-01 00:00:00\.000000000' AS TIMESTAMP_NS\)/);
    expect(() => asyncTraceSQL("x'; DROP", "a", 0, 1)).toThrow(/not a process/);
  });

  it("mark HTTP statuses from 400 and non-zero gRPC codes as errors", () => {
    for (const [status, err] of [
      [null, false],
      [0, false],
      [5, true],
      [16, true],
      [200, false],
      [302, false],
      [404, true],
      [503, true],
    ] as const)
      expect(asyncError(status), String(status)).toBe(err);
  });

  it("convert rows: keyed by the OpenTelemetry span id, outcome in the attributes, no end is the start", () => {
    const f = frame({
      span_id: [7, 8],
      name: ["GET /back/{id}", "/pkg.Svc/Call"],
      target: ["httptrace", "grpctrace"],
      begin: [1000, 1001],
      end: [1004, null],
      otel_span_id: ["00000000000000b1", null],
      otel_parent_span_id: ["00000000000000a1", null],
      status: [503, null],
      request_bytes: [10, null],
      response_bytes: [2048, null],
    });
    const [a, b] = asyncSpansOf(f, PID, "/usr/bin/back", "back");
    expect(a).toMatchObject({
      spanId: "00000000000000b1",
      parentId: "00000000000000a1",
      kind: "async",
      service: "back",
      processId: PID,
      statusCode: "error",
      statusMessage: "HTTP 503",
      duration: 4e6,
    });
    expect(JSON.parse(a.attributes)).toMatchObject({
      status: "503",
      request_bytes: "10",
      response_bytes: "2048",
    });
    expect(b).toMatchObject({ spanId: `${PID}:8`, parentId: null, end: 1001, statusCode: "" });
  });

  it("nest under their OpenTelemetry parent and parent OpenTelemetry spans in turn", () => {
    // frontend (OTel SDK) a1 -> our library's server span b1 -> OTel client span c1 of another SDK.
    const ours = asyncSpansOf(
      frame({
        span_id: [3],
        name: ["GET /back/{id}"],
        target: ["httptrace"],
        begin: [1001],
        end: [1003],
        otel_span_id: ["00000000000000b1"],
        otel_parent_span_id: ["00000000000000a1"],
        status: [200],
        request_bytes: [0],
        response_bytes: [5],
      }),
      PID,
      "/bin/back",
      "back",
    );
    const tree = buildTree([
      otel("00000000000000a1", null, 1000, 1005),
      otel("00000000000000c1", "00000000000000b1", 1002, 1002.5),
      ...ours,
    ]);
    expect(tree.rows.map((r) => [r.span.spanId, r.depth, r.span.kind])).toEqual([
      ["00000000000000a1", 0, "client"],
      ["00000000000000b1", 1, "async"],
      ["00000000000000c1", 2, "client"],
    ]);
    expect(tree.orphans).toBe(0);
    expect(tree.rows[1].span.statusCode).toBe("ok");
  });

  it("take ?process= repeated or comma-separated, and bound the processes read", () => {
    const p = new URLSearchParams(`process=${PID},bad&process=${PID2.toUpperCase()}&process=${PID}`);
    expect(processesParam(p)).toEqual([PID, PID2]);
    const seen = Array.from(
      { length: 12 },
      (_, i) => `00000000-0000-0000-0000-0000000000${String(i).padStart(2, "0")}`,
    );
    const { pids, dropped } = traceProcesses([PID], [...seen, "", PID]);
    expect(pids).toHaveLength(10);
    expect(pids[0]).toBe(PID);
    expect(dropped).toBe(3);
  });
});
