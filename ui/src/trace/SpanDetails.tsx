import { formatDuration, formatISO, formatTime } from "../time";
import { attributesOf, eventsOf, parseJSON, type Span } from "./queries";

/** SpanSummary shows what a span is: name, kind, service, duration, status, attributes and events. */
export function SpanSummary({ span: s, compact = false }: { span: Span; compact?: boolean }) {
  const attrs = attributesOf(s.attributes);
  const events = eventsOf(s);
  const shownAttrs = compact ? attrs.slice(0, 12) : attrs;
  return (
    <div class="span-summary">
      <div class="wf-title">
        <b>{s.name}</b> <span class="muted">{s.kind}</span>
      </div>
      <div>
        {s.service} · {formatDuration(s.duration)} ·{" "}
        <span class={s.statusCode === "error" ? "status-err" : ""}>
          status {s.statusCode || "unset"}
          {s.statusMessage ? `: ${s.statusMessage}` : ""}
        </span>
      </div>
      {shownAttrs.length > 0 && (
        <table class="kv">
          <tbody>
            {shownAttrs.map(([k, v]) => (
              <tr key={k}>
                <td class="muted">{k}</td>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {compact && attrs.length > shownAttrs.length && (
        <div class="muted small">{attrs.length - shownAttrs.length} more attributes: click the span</div>
      )}
      {events.length > 0 && (
        <div>
          <span class="muted">events:</span>
          {events.slice(0, compact ? 5 : events.length).map((e, i) => (
            <div key={i} class="mono small">
              {e.time ? formatTime(Date.parse(e.time)).slice(11) : ""} {e.name}
              {e.attributes && Object.keys(e.attributes).length > 0 ? ` ${JSON.stringify(e.attributes)}` : ""}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** SpanDetails is the panel of the selected span: its summary, ids, links and process. */
export function SpanDetails({ span: s, onClose }: { span: Span; onClose: () => void }) {
  const links = parseJSON(s.links);
  const pad = Math.max((s.end - s.begin) * 0.5, 1000);
  const procHref = `/process/${s.processId}?from=${encodeURIComponent(formatISO(s.begin - pad))}&to=${encodeURIComponent(formatISO(s.end + pad))}`;
  return (
    <div class="span-details" data-testid="span-details">
      <button class="close" onClick={onClose} title="Close">
        ×
      </button>
      <SpanSummary span={s} />
      <div class="info-grid">
        <div>
          <span class="k">Process</span>
          <a href={procHref} data-testid="span-process" title={s.processId}>
            {s.exe || s.processId}
          </a>
        </div>
        <div>
          <span class="k">Span id</span>
          <span class="mono">{s.spanId}</span>
        </div>
        <div>
          <span class="k">Parent</span>
          <span class="mono">{s.parentId ?? "– (root)"}</span>
        </div>
        <div>
          <span class="k">Start</span>
          <span>{formatTime(s.begin)}</span>
        </div>
        <div>
          <span class="k">Scope</span>
          <span>{s.scope || "–"}</span>
        </div>
      </div>
      {Array.isArray(links) && links.length > 0 && (
        <div>
          <span class="muted">links:</span>
          {(links as { trace_id: string; span_id: string }[]).map((l, i) => (
            <div key={i} class="mono small">
              <a href={`/traces/${l.trace_id}?span=${l.span_id}`}>
                {l.trace_id} / {l.span_id}
              </a>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
