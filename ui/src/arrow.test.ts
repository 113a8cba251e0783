import {
  Bool,
  Field,
  Float64,
  Int64,
  List,
  makeData,
  makeVector,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  TimestampMicrosecond,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { col, kindOf, rows, toCSV, toFrame } from "./arrow";
import { formatISO } from "./time";

const T0 = 1714979289123456789n; // 2024-05-06T07:08:09.123456789Z

function sample(): Table {
  const time = makeVector(
    makeData({
      type: new TimestampNanosecond("UTC"),
      length: 3,
      nullCount: 1,
      nullBitmap: new Uint8Array([0b101]),
      data: new BigInt64Array([T0, 0n, T0 + 1500n]),
    }),
  );
  const us = makeVector(
    makeData({
      type: new TimestampMicrosecond("UTC"),
      length: 3,
      data: new BigInt64Array([T0 / 1000n, T0 / 1000n + 1n, T0 / 1000n + 2n]),
    }),
  );
  const t = new Table({
    time,
    us,
    big: vectorFromArray([1n, 2n ** 40n, null], new Int64()),
    value: vectorFromArray([1.5, null, -2], new Float64()),
    msg: vectorFromArray(["a,b", 'say "hi"', null], new Utf8()),
    ok: vectorFromArray([true, false, null], new Bool()),
    tags: vectorFromArray([["log"], ["cpu", "x"], []], new List(new Field("item", new Utf8(), true))),
  });
  // Through IPC, as the server sends it.
  return tableFromIPC(tableToIPC(t, "stream"));
}

describe("toFrame", () => {
  const f = toFrame(sample());
  it("tells kinds apart", () => {
    expect(f.columns.map((c) => [c.name, c.kind])).toEqual([
      ["time", "time"],
      ["us", "time"],
      ["big", "bigint"],
      ["value", "number"],
      ["msg", "string"],
      ["ok", "bool"],
      ["tags", "other"],
    ]);
    expect(kindOf(new Schema([new Field("x", new Utf8())]).fields[0].type)).toBe("string");
  });
  it("keeps nanosecond times to a quarter of a microsecond, nulls as null", () => {
    const t = col(f, "time").values as (number | null)[];
    expect(formatISO(t[0]!)).toBe("2024-05-06T07:08:09.123457Z");
    expect(t[0]! - 1714979289123).toBeCloseTo(0.456789, 5);
    expect(t[1]).toBeNull();
    expect(t[2]! - t[0]!).toBeCloseTo(0.0015, 3); // float ms keep about 0.25 µs
    const us = col(f, "us").values as number[];
    expect(us[1] - us[0]).toBeCloseTo(0.001, 3);
  });
  it("converts numbers and nested values", () => {
    expect(col(f, "big").values).toEqual([1, 2 ** 40, null]);
    expect(col(f, "value").values).toEqual([1.5, null, -2]);
    expect(JSON.parse(col(f, "tags").values[1] as string)).toEqual(["cpu", "x"]);
    expect(rows(f)[0].msg).toBe("a,b");
  });
  it("writes CSV with quoting and RFC 3339 times", () => {
    const csv = toCSV(f, formatISO).split("\r\n");
    expect(csv[0]).toBe("time,us,big,value,msg,ok,tags");
    expect(csv[1]).toBe(
      '2024-05-06T07:08:09.123457Z,2024-05-06T07:08:09.123456Z,1,1.5,"a,b",true,"[""log""]"',
    );
    expect(csv[2].startsWith(',2024-05-06T07:08:09.123457Z,1099511627776,,"say ""hi""",false,')).toBe(true);
  });
  it("names the columns when one is missing", () => {
    expect(() => col(f, "nope")).toThrow(/columns: time, us/);
  });
});
