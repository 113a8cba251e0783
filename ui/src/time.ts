// Times in the UI are float milliseconds since the epoch (sub-millisecond
// precision kept to about a quarter of a microsecond), or bigint
// nanoseconds where exactness matters (SQL bounds of log pages).

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** A time-range end as written in the URL: "now", "now-15m" or an ISO 8601 time. */
export type TimeSpec = string;

/** parseTimeSpec resolves a URL time to float milliseconds, or null when it is not valid. */
export function parseTimeSpec(spec: TimeSpec, nowMs: number): number | null {
  const s = spec.trim();
  const rel = /^now(?:\s*-\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$/.exec(s);
  if (rel) {
    return rel[1] ? nowMs - parseFloat(rel[1]) * UNITS[rel[2]] : nowMs;
  }
  return parseISO(s);
}

/** parseISO reads an ISO 8601 / RFC 3339 time with up to nine fractional digits. */
export function parseISO(s: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    s.trim(),
  );
  if (!m) return null;
  const base = Date.parse(`${m[1]}T${m[2].length === 5 ? m[2] + ":00" : m[2]}${m[4] ? normZone(m[4]) : "Z"}`);
  if (Number.isNaN(base)) return null;
  const frac = m[3] ? parseInt(m[3].padEnd(9, "0"), 10) / 1e6 : 0;
  return base + frac;
}

function normZone(z: string): string {
  if (z.toUpperCase() === "Z") return "Z";
  return z.length === 5 ? `${z.slice(0, 3)}:${z.slice(3)}` : z;
}

/** formatISO writes float milliseconds as RFC 3339 in UTC with microseconds (no trailing zeros). */
export function formatISO(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  const base = new Date(whole + (micros === 1000 ? 1 : 0)).toISOString(); // ...SSSZ
  const us = micros === 1000 ? 0 : micros;
  let frac = base.slice(20, 23) + String(us).padStart(3, "0");
  frac = frac.replace(/0+$/, "");
  return base.slice(0, 19) + (frac ? "." + frac : "") + "Z";
}

/** nsToISO writes bigint nanoseconds as RFC 3339 in UTC with nine fractional digits. */
export function nsToISO(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const rest = ns - ms * 1_000_000n;
  const base = new Date(Number(ms)).toISOString();
  return `${base.slice(0, 23)}${String(rest).padStart(6, "0")}Z`;
}

/** msToNs converts float milliseconds to bigint nanoseconds (rounded down to the microsecond's tenth). */
export function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** nsToMs converts bigint nanoseconds to float milliseconds. */
export function nsToMs(ns: bigint): number {
  const ms = ns / 1_000_000n;
  return Number(ms) + Number(ns - ms * 1_000_000n) / 1e6;
}

/** The presets of the time-range picker. */
export const PRESETS: { label: string; from: string }[] = [
  { label: "Last 15 minutes", from: "now-15m" },
  { label: "Last 1 hour", from: "now-1h" },
  { label: "Last 24 hours", from: "now-24h" },
  { label: "Last 7 days", from: "now-7d" },
];

/** rangeLabel describes a range for the picker's button. */
export function rangeLabel(from: string, to: string): string {
  if (to === "now") {
    const p = PRESETS.find((p) => p.from === from);
    if (p) return p.label;
    const rel = /^now-(.+)$/.exec(from);
    if (rel) return `Last ${rel[1]}`;
  }
  return `${shortTime(from)} → ${shortTime(to)}`;
}

function shortTime(spec: string): string {
  const ms = parseISO(spec);
  return ms === null ? spec : formatTime(ms, true);
}

/** formatTime shows a time in UTC, to the microsecond when it has one. */
export function formatTime(ms: number, withDate = true): string {
  const iso = formatISO(ms);
  const s = iso.replace("T", " ").replace("Z", "");
  return withDate ? s : s.slice(11);
}

/** formatLogTime shows a time in UTC with six fractional digits, so that columns of times line up. */
export function formatLogTime(ms: number): string {
  const iso = formatISO(ms).replace("T", " ").replace("Z", "");
  const dot = iso.indexOf(".");
  return dot < 0 ? iso + ".000000" : iso.padEnd(dot + 7, "0");
}

/** formatDuration shows a duration in nanoseconds with a fitting unit. */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${ns.toFixed(0)} ns`;
  if (a < 1e6) return `${trim(ns / 1e3)} µs`;
  if (a < 1e9) return `${trim(ns / 1e6)} ms`;
  if (a < 60e9) return `${trim(ns / 1e9)} s`;
  if (a < 3600e9) return `${trim(ns / 60e9)} min`;
  if (a < 86400e9) return `${trim(ns / 3600e9)} h`;
  return `${trim(ns / 86400e9)} d`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** niceStep returns a round step (1, 2 or 5 × 10^k) near span / count. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}
