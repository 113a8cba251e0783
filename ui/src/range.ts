// The time range of every page: from/to in the URL, a refresh counter and
// the live mode, which moves a relative range forward every few seconds.
import { createContext } from "preact";
import { useContext, useMemo } from "preact/hooks";
import { parseTimeSpec, rangeLabel } from "./time";

/** The range a page queries, resolved at the last refresh. */
export interface Range {
  from: string;
  to: string;
  beginMs: number;
  endMs: number;
  label: string;
  live: boolean;
  /** Changes on every refresh (button, live tick): pages refetch when it does. */
  tick: number;
  /** True when from/to come from the URL, false when a page default applies. */
  explicit: boolean;
}

/** DEFAULT_FROM is the range of pages that have no default of their own. */
export const DEFAULT_FROM = "now-24h";

export const RefreshContext = createContext(0);

/** useTick is the refresh counter of the top bar. */
export function useTick(): number {
  return useContext(RefreshContext);
}

/** resolveRange reads from/to out of the URL parameters; fallback applies when they are absent. */
export function resolveRange(
  params: URLSearchParams,
  tick: number,
  nowMs: number,
  fallback?: { beginMs: number; endMs: number; label: string },
): Range | { error: string } {
  const from = params.get("from");
  const to = params.get("to") ?? "now";
  const live = params.get("live") === "1";
  if (!from && fallback) {
    return { from: "", to: "", ...fallback, live, tick, explicit: false };
  }
  const f = from ?? DEFAULT_FROM;
  const b = parseTimeSpec(f, nowMs);
  const e = parseTimeSpec(to, nowMs);
  if (b === null)
    return { error: `"from=${f}" in the address is not a time: use now-15m, now-1h or an ISO time` };
  if (e === null) return { error: `"to=${to}" in the address is not a time: use now or an ISO time` };
  if (e <= b) return { error: `the time range ends before it begins (${f} → ${to}): pick another range` };
  return { from: f, to, beginMs: b, endMs: e, label: rangeLabel(f, to), live, tick, explicit: !!from };
}

/** useNow returns the time of the last refresh, for relative ranges. */
export function useNow(tick: number): number {
  return useMemo(() => Date.now(), [tick]);
}
