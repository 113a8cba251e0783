import type { PageProps } from "../app";
import { LogViewer } from "./LogViewer";

/** LogsPage searches the log entries of every process; each line links to its process. */
export function LogsPage({ range }: PageProps) {
  return (
    <section class="page">
      <div class="page-head">
        <h1>Logs</h1>
        <span class="muted">every process, {range.label.toLowerCase()}</span>
      </div>
      <LogViewer range={range} />
    </section>
  );
}
