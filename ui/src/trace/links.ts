// Links to the trace page from other pages (log lines, tables with a trace_id column).
import "./trace.css";
import { withRange } from "../router";
import { normalizeTraceId } from "./tree";

/** traceHref is the address of a trace's page, keeping the time range of the current page. */
export function traceHref(traceId: string, span?: string): string {
  return withRange(`/traces/${traceId}`, span ? { span } : {});
}

/** traceLinkOf returns the trace page of a value that is a trace id, or null. */
export function traceLinkOf(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const id = normalizeTraceId(v);
  return id ? traceHref(id) : null;
}
