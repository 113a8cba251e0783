import { notebooks } from "../api";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { useLoad } from "../hooks";
import { formatTime, parseISO } from "../time";
import type { PageProps } from "../app";

/** NotebooksPage lists the saved notebooks. */
export function NotebooksPage({ tick }: PageProps) {
  const list = useLoad(() => notebooks.list(), [tick]);
  return (
    <section class="page">
      <div class="page-head">
        <h1>Notebooks</h1>
        <a class="button primary" href="/notebooks/new" data-testid="new-notebook">
          + New notebook
        </a>
      </div>
      <p class="muted">
        Notebooks are cells of SQL (shown as tables, charts or logs), markdown and variables, saved on the
        server: build your own dashboards and share their links.
      </p>
      {list.error !== undefined && <ErrorBox error={list.error} what="the notebooks" />}
      {list.data && list.data.length === 0 && <Empty>No notebook yet: create one.</Empty>}
      {list.data && list.data.length > 0 && (
        <table class="data" data-testid="notebook-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Updated</th>
              <th>Revision</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((n) => (
              <tr key={n.id}>
                <td>
                  <a href={`/notebooks/${n.id}`}>{n.name}</a>
                </td>
                <td>{formatTime(parseISO(n.updated_at) ?? 0)}</td>
                <td class="num">{n.revision}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
