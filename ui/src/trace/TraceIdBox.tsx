import { useState } from "preact/hooks";
import { navigate } from "../router";
import { traceHref } from "./links";
import { normalizeTraceId } from "./tree";

/** TraceIdBox opens the trace whose id is pasted in it. */
export function TraceIdBox({ initial = "" }: { initial?: string }) {
  const [v, setV] = useState(initial);
  const [bad, setBad] = useState(false);
  const open = (e: Event) => {
    e.preventDefault();
    const id = normalizeTraceId(v);
    setBad(id === null);
    if (id) navigate(traceHref(id));
  };
  return (
    <form class="trace-box" onSubmit={open}>
      <input
        value={v}
        placeholder="paste a trace id (32 hex digits)"
        spellcheck={false}
        data-testid="trace-id-input"
        onInput={(e) => {
          setV((e.target as HTMLInputElement).value);
          setBad(false);
        }}
      />
      <button type="submit" data-testid="trace-id-open">
        Open trace
      </button>
      {bad && (
        <span class="status-err small" role="alert">
          A trace id is 32 hexadecimal digits (W3C trace context, as in otel_spans.trace_id).
        </span>
      )}
    </form>
  );
}
