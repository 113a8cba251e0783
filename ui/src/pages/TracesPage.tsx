import "../trace/trace.css";
import type { PageProps } from "../app";
import { query } from "../api";
import { rows } from "../arrow";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { useLoad } from "../hooks";
import { ts } from "../sql";
import { formatDuration, formatTime, msToNs, nsToISO } from "../time";
import { traceHref } from "../trace/links";
import { TraceIdBox } from "../trace/TraceIdBox";

/** TracesPage opens a trace by its id, and lists the latest traces of the range (their root spans). */
export function TracesPage({ range }: PageProps) {
  const recent = useLoad(
    (signal) =>
      query(
        `SELECT trace_id, service_name, name, "begin", duration, status_code FROM otel_spans
         WHERE "end" >= ${ts(nsToISO(msToNs(range.beginMs)))} AND "begin" <= ${ts(nsToISO(msToNs(range.endMs)))}
           AND parent_span_id IS NULL
         ORDER BY "begin" DESC LIMIT 100`,
        { beginMs: range.beginMs, endMs: range.endMs, signal },
      ).then(rows),
    [range.beginMs, range.endMs, range.tick],
  );
  return (
    <section class="page trace">
      <div class="page-head">
        <h1>Traces</h1>
        <TraceIdBox />
      </div>
      <p class="muted">
        A trace's waterfall shows its spans across services (OpenTelemetry spans received over OTLP) and its
        log lines. Log lines carrying a trace id link to it.
      </p>
      <h2 class="trace-h2">Latest traces, {range.label.toLowerCase()}</h2>
      {recent.error !== undefined && <ErrorBox error={recent.error} what="the latest traces" />}
      {recent.data && recent.data.length === 0 && (
        <Empty>
          No root span in {range.label.toLowerCase()}. OpenTelemetry SDKs send here with
          OTEL_EXPORTER_OTLP_ENDPOINT=http://&lt;ingestion address&gt; (OTLP/HTTP) or the OTLP/gRPC address;
          widen the time range to look further back.
        </Empty>
      )}
      {recent.data && recent.data.length > 0 && (
        <div class="table-wrap">
          <table class="data" data-testid="recent-traces">
            <thead>
              <tr>
                <th>Start</th>
                <th>Service</th>
                <th>Root span</th>
                <th>Duration</th>
                <th>Trace id</th>
              </tr>
            </thead>
            <tbody>
              {recent.data.map((r) => (
                <tr key={String(r.trace_id) + String(r.begin)}>
                  <td>{formatTime(r.begin as number)}</td>
                  <td>{r.service_name}</td>
                  <td class={r.status_code === "error" ? "status-err" : ""}>{r.name}</td>
                  <td class="num">{formatDuration(Number(r.duration))}</td>
                  <td class="mono">
                    <a href={traceHref(String(r.trace_id))}>{r.trace_id}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
