import type { Frame } from "../arrow";
import { formatTime } from "../time";
import { traceLinkOf } from "../trace/links";

/** DataTable shows a result as a table (the first maxRows rows). */
export function DataTable({ frame, maxRows = 1000 }: { frame: Frame; maxRows?: number }) {
  const n = Math.min(frame.length, maxRows);
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            {frame.columns.map((c) => (
              <th key={c.name}>{c.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: n }, (_, i) => (
            <tr key={i}>
              {frame.columns.map((c) => (
                <td key={c.name} class={c.kind === "number" || c.kind === "bigint" ? "num" : ""}>
                  {c.name === "trace_id" && traceLinkOf(c.values[i]) ? (
                    <a href={traceLinkOf(c.values[i])!}>{c.values[i]}</a>
                  ) : (
                    cell(c.kind, c.values[i])
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {frame.length > n && (
        <p class="muted">
          Showing {n} of {frame.length} rows; export CSV for all of them.
        </p>
      )}
    </div>
  );
}

function cell(kind: string, v: unknown): string {
  if (v === null || v === undefined) return "";
  if (kind === "time" && typeof v === "number") return formatTime(v);
  return String(v);
}
