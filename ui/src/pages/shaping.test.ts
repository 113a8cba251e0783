import { describe, expect, it } from "vitest";
import { filterSort, parseProps, type ProcessRow } from "./processes";
import { countStreams, tagsOf } from "./streams";

const p = (id: string, exe: string, last: number, props = "{}"): ProcessRow => ({
  process_id: id,
  exe,
  computer: "box",
  username: "alice",
  start_time: 0,
  last_update_time: last,
  properties: props,
});

describe("processes", () => {
  const all = [
    p("1", "/bin/game", 3),
    p("2", "/bin/server", 5, '{"region":"eu"}'),
    p("3", "/bin/Game-Tool", 1),
  ];
  it("searches every word, case-insensitive, in exe, id and properties", () => {
    expect(filterSort(all, "game", "last_update_time", true).map((r) => r.process_id)).toEqual(["1", "3"]);
    expect(filterSort(all, "server EU", "exe", false).map((r) => r.process_id)).toEqual(["2"]);
    expect(filterSort(all, "nothing", "exe", false)).toEqual([]);
  });
  it("sorts both ways, nulls last", () => {
    const rows = [...all, { ...p("4", "x", 0), last_update_time: null }];
    expect(filterSort(rows, "", "last_update_time", true).map((r) => r.process_id)).toEqual([
      "2",
      "1",
      "3",
      "4",
    ]);
    expect(filterSort(rows, "", "last_update_time", false).map((r) => r.process_id)).toEqual([
      "3",
      "1",
      "2",
      "4",
    ]);
  });
  it("reads properties leniently", () => {
    expect(parseProps('{"a":"1"}')).toEqual({ a: "1" });
    expect(parseProps("not json")).toEqual({});
    expect(parseProps("[1]")).toEqual({});
    expect(parseProps(null)).toEqual({});
  });
});

describe("streams", () => {
  it("counts events by tag and lists threads by name", () => {
    const c = countStreams([
      { stream_id: "a", tags: '["log"]', thread: "a", events: 10 },
      { stream_id: "b", tags: '["metrics"]', thread: "b", events: 4 },
      { stream_id: "c", tags: '["cpu"]', thread: "worker-10", events: 7 },
      { stream_id: "d", tags: '["cpu"]', thread: "worker-9", events: 1 },
    ]);
    expect([c.logs, c.measures, c.spanEvents, c.threads]).toEqual([10, 4, 8, 2]);
    expect(c.threadStreams.map((t) => t.name)).toEqual(["worker-9", "worker-10"]);
    expect(tagsOf("log, cpu")).toEqual(["log", "cpu"]);
  });
});
