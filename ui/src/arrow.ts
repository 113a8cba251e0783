// Arrow results as what the pages draw: typed columns, display rows, CSV.
import { DataType, Table, type Vector } from "apache-arrow";

/** The kinds of column the pages tell apart. */
export type Kind = "time" | "number" | "bigint" | "string" | "bool" | "other";

/** A column of a result, its values converted once. */
export interface Column {
  name: string;
  kind: Kind;
  /** Values for display and charts: numbers (times as float ms), strings, booleans, null. */
  values: (number | string | boolean | null)[];
}

/** A result: columns, and the row count. */
export interface Frame {
  columns: Column[];
  length: number;
}

const NS_PER_UNIT = [1e9, 1e6, 1e3, 1]; // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** kindOf maps an Arrow type to a Kind. */
export function kindOf(t: DataType): Kind {
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return "time";
  if (DataType.isInt(t)) return t.bitWidth === 64 ? "bigint" : "number";
  if (DataType.isFloat(t) || DataType.isDecimal(t)) return "number";
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return "string";
  if (DataType.isDictionary(t)) return kindOf(t.dictionary) === "string" ? "string" : "other";
  if (DataType.isBool(t)) return "bool";
  return "other";
}

/** timeMs returns a time column as float milliseconds (which keep about a quarter of a microsecond today). */
export function timeMs(v: Vector): (number | null)[] {
  const out: (number | null)[] = new Array(v.length);
  let i = 0;
  const t = v.type;
  for (const d of v.data) {
    const values = d.values as BigInt64Array | Int32Array | Float64Array;
    const perUnit = DataType.isTimestamp(t)
      ? NS_PER_UNIT[t.unit]
      : DataType.isDate(t) && t.unit === 0
        ? 86400e9
        : 1e6;
    for (let j = 0; j < d.length; j++, i++) {
      if (!d.getValid(j)) {
        out[i] = null;
        continue;
      }
      const raw = values[d.offset + j];
      if (typeof raw === "bigint") {
        // Split to keep precision: milliseconds as a whole, then the rest.
        const nsPerMs = 1e6 / perUnit; // units per millisecond
        if (nsPerMs >= 1) {
          const per = BigInt(Math.round(nsPerMs));
          const whole = raw / per;
          out[i] = Number(whole) + Number(raw - whole * per) / nsPerMs;
        } else {
          out[i] = Number(raw) * (perUnit / 1e6);
        }
      } else {
        out[i] = Number(raw) * (perUnit / 1e6);
      }
    }
  }
  return out;
}

/** numbers returns a numeric column (64-bit integers included) as numbers. */
export function numbers(v: Vector): (number | null)[] {
  const out: (number | null)[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v.get(i);
    out[i] = x === null || x === undefined ? null : Number(x);
  }
  return out;
}

/** toFrame converts an Arrow table to columns of plain values. */
export function toFrame(table: Table): Frame {
  const columns: Column[] = table.schema.fields.map((f, idx) => {
    const v = table.getChildAt(idx)!;
    const kind = kindOf(f.type);
    let values: Column["values"];
    switch (kind) {
      case "time":
        values = timeMs(v);
        break;
      case "number":
      case "bigint":
        values = numbers(v);
        break;
      case "string":
      case "bool":
        values = Array.from({ length: v.length }, (_, i) => (v.get(i) ?? null) as string | boolean | null);
        break;
      default:
        values = Array.from({ length: v.length }, (_, i) => display(v.get(i)));
    }
    return { name: f.name, kind, values };
  });
  return { columns, length: table.numRows };
}

/** display renders a nested value (list, struct, map, binary) as text. */
export function display(x: unknown): string | null {
  if (x === null || x === undefined) return null;
  if (x instanceof Uint8Array) return `<${x.length} bytes>`;
  if (typeof x === "bigint") return x.toString();
  if (typeof x === "object" && typeof (x as { toJSON?: unknown }).toJSON === "function") {
    return JSON.stringify(x, (_, val) => (typeof val === "bigint" ? val.toString() : val));
  }
  return String(x);
}

/** col finds a column by name, or throws naming the columns there are. */
export function col(f: Frame, name: string): Column {
  const c = f.columns.find((c) => c.name === name);
  if (!c)
    throw new Error(
      `the result has no column "${name}" (columns: ${f.columns.map((c) => c.name).join(", ")})`,
    );
  return c;
}

/** rows turns a frame into objects, for small results. */
export function rows(f: Frame): Record<string, number | string | boolean | null>[] {
  const out = [];
  for (let i = 0; i < f.length; i++) {
    const r: Record<string, number | string | boolean | null> = {};
    for (const c of f.columns) r[c.name] = c.values[i];
    out.push(r);
  }
  return out;
}

/** toCSV writes a frame as RFC 4180 CSV, times in RFC 3339. */
export function toCSV(f: Frame, formatTime: (ms: number) => string): string {
  const esc = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [f.columns.map((c) => esc(c.name)).join(",")];
  for (let i = 0; i < f.length; i++) {
    lines.push(
      f.columns
        .map((c) => {
          const v = c.values[i];
          if (v === null) return "";
          if (c.kind === "time" && typeof v === "number") return formatTime(v);
          return esc(String(v));
        })
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
