import { useEffect } from "preact/hooks";
import { query } from "../api";
import { rows } from "../arrow";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { mark, useLoad } from "../hooks";
import { setParams, useRoute } from "../router";
import { formatTime } from "../time";
import type { PageProps } from "../app";
import { filterSort, parseProps, type ProcessRow } from "./processes";

const COLUMNS: { key: keyof ProcessRow; label: string }[] = [
  { key: "exe", label: "Executable" },
  { key: "computer", label: "Computer" },
  { key: "username", label: "User" },
  { key: "start_time", label: "Start" },
  { key: "last_update_time", label: "Last activity" },
  { key: "properties", label: "Properties" },
];

/** ProcessesPage lists the processes that sent data in the range, most recently active first. */
export function ProcessesPage({ range }: PageProps) {
  const { params } = useRoute();
  const search = params.get("q") ?? "";
  const sort = (params.get("sort") ?? "last_update_time") as keyof ProcessRow;
  const desc = params.get("desc") !== "0";
  const load = useLoad(
    (signal) =>
      query(
        `SELECT process_id, exe, computer, username, start_time, last_update_time, properties
         FROM processes ORDER BY last_update_time DESC`,
        { beginMs: range.beginMs, endMs: range.endMs, signal },
      ),
    [range.beginMs, range.endMs, range.tick],
  );
  const all = load.data ? (rows(load.data) as unknown as ProcessRow[]) : [];
  const shown = filterSort(all, search, sort, desc);
  useEffect(() => {
    if (load.data) mark("processes-rendered");
  }, [load.data]);
  return (
    <section class="page">
      <div class="page-head">
        <h1>Processes</h1>
        <input
          class="search"
          type="search"
          placeholder="Search executable, computer, user, id, properties…"
          value={search}
          data-testid="process-search"
          onInput={(e) => setParams({ q: (e.target as HTMLInputElement).value }, true)}
        />
        <span class="muted">{load.data ? `${shown.length} of ${all.length}` : ""}</span>
      </div>
      {load.error !== undefined && <ErrorBox error={load.error} what="the processes" />}
      {load.data && all.length === 0 && (
        <Empty>
          <p>
            <b>No process sent data in this time range ({range.label}).</b>
          </p>
          <p>
            Send some: run an instrumented program against the ingestion address that{" "}
            <code>micromegas serve</code> printed, for example
          </p>
          <pre>
            MICROMEGAS_TELEMETRY_URL=http://127.0.0.1:9000 MICROMEGAS_ENABLE_CPU_TRACING=true go run
            ./examples/hello
          </pre>
          <p>or pick a wider time range above.</p>
        </Empty>
      )}
      {all.length > 0 && (
        <div class="table-wrap">
          <table class="data processes" data-testid="processes">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    class="sortable"
                    onClick={() =>
                      setParams({ sort: c.key, desc: sort === c.key && desc ? "0" : null }, true)
                    }
                  >
                    {c.label}
                    {sort === c.key ? (desc ? " ▾" : " ▴") : ""}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.process_id}>
                  <td>
                    <a href={`/process/${p.process_id}`} title={p.process_id}>
                      {basename(p.exe)}
                    </a>
                    <div class="muted small">{p.process_id}</div>
                  </td>
                  <td>{p.computer}</td>
                  <td>{p.username}</td>
                  <td class="nowrap">{p.start_time !== null ? formatTime(p.start_time) : ""}</td>
                  <td class="nowrap">{p.last_update_time !== null ? formatTime(p.last_update_time) : ""}</td>
                  <td>
                    {Object.entries(parseProps(p.properties)).map(([k, v]) => (
                      <span class="chip" key={k}>
                        {k}={v}
                      </span>
                    ))}
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

/** basename is the last element of a path. */
export function basename(p: string | null): string {
  if (!p) return "(unknown)";
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}
