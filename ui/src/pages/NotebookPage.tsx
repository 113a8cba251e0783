import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, notebooks, query, type Cell, type Notebook } from "../api";
import { toCSV, type Frame } from "../arrow";
import { Chart } from "../components/Chart";
import { DataTable } from "../components/DataTable";
import { Empty, ErrorBox } from "../components/ErrorBox";
import { useLoad } from "../hooks";
import { levelName } from "../levels";
import type { Range } from "../range";
import { navigate, setParams, useRoute, withRange } from "../router";
import { formatISO, formatTime } from "../time";
import type { PageProps } from "../app";
import {
  autoView,
  chartData,
  finalSQL,
  newCell,
  parseContent,
  renderMarkdown,
  starterContent,
  variables,
} from "./notebook";

const PALETTE = ["#61afef", "#e5c07b", "#98c379", "#e06c75", "#c678dd", "#56b6c2"];

/** NotebookPage edits and runs a notebook: SQL, markdown and variable cells, saved on the server. */
export function NotebookPage({ id, range }: PageProps & { id: string }) {
  const { params } = useRoute();
  const isNew = id === "new";
  const load = useLoad<Notebook | null>(() => (isNew ? Promise.resolve(null) : notebooks.get(id)), [id]);
  const [name, setName] = useState("");
  const [cells, setCells] = useState<Cell[]>([]);
  const [revision, setRevision] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (!isNew) return;
    setName("");
    setCells(starterContent(params.get("sql") ?? undefined).cells);
    setRevision(0);
    setDirty(true);
  }, [id]);
  useEffect(() => {
    if (isNew || !load.data) return;
    setName(load.data.name);
    setCells(parseContent(load.data.content).cells);
    setRevision(load.data.revision);
    setDirty(false);
  }, [load.data]);
  const update = (i: number, c: Cell) => {
    setCells(cells.map((x, j) => (j === i ? c : x)));
    setDirty(true);
  };
  const insert = (i: number, type: Cell["type"]) => {
    const next = cells.slice();
    next.splice(i, 0, newCell(type));
    setCells(next);
    setDirty(true);
  };
  const move = (i: number, d: number) => {
    const j = i + d;
    if (j < 0 || j >= cells.length) return;
    const next = cells.slice();
    [next[i], next[j]] = [next[j], next[i]];
    setCells(next);
    setDirty(true);
  };
  const remove = (i: number) => {
    setCells(cells.filter((_, j) => j !== i));
    setDirty(true);
  };
  const save = async () => {
    setSaveError(undefined);
    if (!name.trim()) {
      setSaveError(
        new ApiError("A notebook needs a name.", -1, "Type a name in the field at the top, then save."),
      );
      return;
    }
    setSaving(true);
    try {
      const content = { version: 1 as const, cells };
      if (isNew) {
        const nb = await notebooks.create(name, content);
        navigate(withRange(`/notebooks/${nb.id}`), true);
      } else {
        const nb = await notebooks.save(id, name, content, revision);
        setRevision(nb.revision);
        setDirty(false);
      }
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };
  const del = async () => {
    if (!confirm(`Delete the notebook "${name}"? This cannot be undone.`)) return;
    try {
      await notebooks.remove(id);
      navigate("/notebooks");
    } catch (e) {
      setSaveError(e);
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") {
        e.preventDefault();
        save();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  if (load.error !== undefined) return <ErrorBox error={load.error} what="the notebook" />;
  if (!isNew && !load.data) return <div class="loading">Loading…</div>;
  return (
    <section class="page notebook">
      <div class="page-head">
        <input
          class="nb-name"
          value={name}
          placeholder="Notebook name"
          data-testid="notebook-name"
          onInput={(e) => {
            setName((e.target as HTMLInputElement).value);
            setDirty(true);
          }}
        />
        <button class="primary" onClick={save} disabled={saving} data-testid="notebook-save">
          {saving ? "Saving…" : isNew ? "Save" : dirty ? "Save*" : "Saved"}
        </button>
        {!isNew && (
          <button onClick={del} class="danger">
            Delete
          </button>
        )}
        <span class="muted small">
          {isNew ? "not saved yet" : `revision ${revision}`} · Ctrl+Enter runs a cell · Ctrl+S saves
        </span>
      </div>
      {saveError !== undefined && <ErrorBox error={saveError} what="the save" />}
      <AddCell onAdd={(t) => insert(0, t)} />
      {cells.map((c, i) => (
        <div key={c.id}>
          <div class="cell" data-testid={`cell-${i}`}>
            <div class="cell-bar">
              <span class="cell-type">{c.type}</span>
              <button onClick={() => move(i, -1)} title="Move up">
                ↑
              </button>
              <button onClick={() => move(i, 1)} title="Move down">
                ↓
              </button>
              <button onClick={() => remove(i)} title="Delete the cell">
                ✕
              </button>
            </div>
            {c.type === "markdown" && <MarkdownCell cell={c} onChange={(x) => update(i, x)} />}
            {c.type === "variable" && (
              <VariableCell
                cell={c}
                range={range}
                vars={variables(cells, i, range, params)}
                onChange={(x) => update(i, x)}
              />
            )}
            {c.type === "sql" && (
              <SqlCell
                cell={c}
                range={range}
                vars={variables(cells, i, range, params)}
                onChange={(x) => update(i, x)}
              />
            )}
          </div>
          <AddCell onAdd={(t) => insert(i + 1, t)} />
        </div>
      ))}
      {cells.length === 0 && <Empty>This notebook is empty: add a cell.</Empty>}
    </section>
  );
}

function AddCell({ onAdd }: { onAdd: (t: Cell["type"]) => void }) {
  return (
    <div class="add-cell">
      <button onClick={() => onAdd("sql")}>+ SQL</button>
      <button onClick={() => onAdd("markdown")}>+ Markdown</button>
      <button onClick={() => onAdd("variable")}>+ Variable</button>
    </div>
  );
}

function MarkdownCell({ cell, onChange }: { cell: Cell; onChange: (c: Cell) => void }) {
  const [editing, setEditing] = useState(cell.text === "");
  const html = useMemo(() => renderMarkdown(cell.text), [cell.text]);
  return editing ? (
    <div>
      <textarea
        class="editor"
        value={cell.text}
        rows={Math.max(3, cell.text.split("\n").length)}
        onInput={(e) => onChange({ ...cell, text: (e.target as HTMLTextAreaElement).value })}
      />
      <button onClick={() => setEditing(false)}>Done</button>
    </div>
  ) : (
    <div
      class="markdown"
      onDblClick={() => setEditing(true)}
      title="Double-click to edit"
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

function VariableCell({
  cell,
  range,
  vars,
  onChange,
}: {
  cell: Cell;
  range: Range;
  vars: Record<string, string>;
  onChange: (c: Cell) => void;
}) {
  const { params } = useRoute();
  const sql = cell.text.trim() ? finalSQL(cell, vars) : "";
  const options = useLoad(
    (signal) =>
      sql
        ? query(sql, { beginMs: range.beginMs, endMs: range.endMs, signal }).then((f) =>
            f.columns.length ? f.columns[0].values.map((v) => (v === null ? "" : String(v))) : [],
          )
        : Promise.resolve(null),
    [sql, range.tick],
  );
  const value = params.get(`var-${cell.name}`) ?? cell.value ?? "";
  const setValue = (v: string) =>
    setParams({ [`var-${cell.name}`]: v === (cell.value ?? "") ? null : v }, true);
  return (
    <div class="variable">
      <label>
        ${" "}
        <input
          class="var-name"
          value={cell.name}
          onInput={(e) =>
            onChange({ ...cell, name: (e.target as HTMLInputElement).value.replace(/[^A-Za-z0-9_]/g, "") })
          }
        />
      </label>
      {options.data ? (
        <select
          value={value}
          onChange={(e) => setValue((e.target as HTMLSelectElement).value)}
          data-testid={`var-${cell.name}`}
        >
          <option value="">(any)</option>
          {options.data.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          data-testid={`var-${cell.name}`}
        />
      )}
      <label class="muted small">
        default{" "}
        <input
          value={cell.value ?? ""}
          onInput={(e) => onChange({ ...cell, value: (e.target as HTMLInputElement).value })}
        />
      </label>
      <details>
        <summary class="muted small">choices from SQL</summary>
        <textarea
          class="editor"
          rows={2}
          value={cell.text}
          placeholder="SELECT DISTINCT exe FROM processes (first column = choices)"
          onChange={(e) => onChange({ ...cell, text: (e.target as HTMLTextAreaElement).value })}
        />
      </details>
      {options.error !== undefined && (
        <ErrorBox error={options.error} what={`the choices of $${cell.name}`} />
      )}
    </div>
  );
}

function SqlCell({
  cell,
  range,
  vars,
  onChange,
}: {
  cell: Cell;
  range: Range;
  vars: Record<string, string>;
  onChange: (c: Cell) => void;
}) {
  const [draft, setDraft] = useState(cell.text);
  const [runs, setRuns] = useState(0);
  useEffect(() => setDraft(cell.text), [cell.text]);
  const sql = finalSQL(cell, vars);
  const result = useLoad(
    (signal) =>
      sql.trim() ? query(sql, { beginMs: range.beginMs, endMs: range.endMs, signal }) : Promise.resolve(null),
    [sql, range.tick, runs],
  );
  // Run reads the editor itself: a click right after typing may come before the re-render.
  const editor = useRef<HTMLTextAreaElement>(null);
  const run = () => {
    const text = editor.current?.value ?? draft;
    if (text !== cell.text) onChange({ ...cell, text });
    else setRuns((n) => n + 1);
  };
  const f = result.data;
  const view = f ? (cell.view && cell.view !== "auto" ? cell.view : autoView(f)) : "table";
  return (
    <div class="sqlcell">
      <textarea
        ref={editor}
        class="editor sql"
        value={draft}
        rows={Math.max(3, draft.split("\n").length)}
        spellcheck={false}
        data-testid="sql-editor"
        onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
            e.preventDefault();
            run();
          }
        }}
      />
      <div class="cell-actions">
        <button class="primary" onClick={run} data-testid="run-cell">
          ▶ Run
        </button>
        <select
          value={cell.view ?? "auto"}
          onChange={(e) => onChange({ ...cell, view: (e.target as HTMLSelectElement).value as Cell["view"] })}
        >
          <option value="auto">auto</option>
          <option value="table">table</option>
          <option value="line">line chart</option>
          <option value="bar">bar chart</option>
          <option value="log">log view</option>
        </select>
        {f && (
          <>
            <button onClick={() => downloadCSV(f)} data-testid="export-csv">
              ⤓ CSV
            </button>
            <span class="muted small">{f.length.toLocaleString("en-US")} rows</span>
          </>
        )}
        {result.loading && <span class="muted small">running…</span>}
      </div>
      {result.error !== undefined && <ErrorBox error={result.error} />}
      {f && f.length === 0 && (
        <Empty>The query returned no row. Widen the time range or loosen its conditions.</Empty>
      )}
      {f && f.length > 0 && <Result f={f} view={view} />}
    </div>
  );
}

function Result({ f, view }: { f: Frame; view: string }) {
  const d = useMemo(() => {
    const c = chartData(f);
    return c && { x: c.x, series: c.series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] })) };
  }, [f]);
  if (view === "line" || view === "bar") {
    if (!d)
      return <div class="muted">A chart needs a time column and a number column; here is the table.</div>;
    return <Chart x={d.x} bars={view === "bar"} series={d.series} testid="cell-chart" />;
  }
  if (view === "log") return <LogList f={f} />;
  return <DataTable frame={f} />;
}

function LogList({ f }: { f: Frame }) {
  const get = (n: string) => f.columns.find((c) => c.name === n)?.values;
  const time = f.columns.find((c) => c.kind === "time")?.values;
  const level = get("level");
  const target = get("target");
  const msg = get("msg");
  const n = Math.min(f.length, 2000);
  return (
    <div class="loglist">
      {Array.from({ length: n }, (_, i) => (
        <div class={`logline l${level?.[i] ?? ""}`} key={i}>
          <span class="t">{time?.[i] != null ? formatTime(time[i] as number) : ""}</span>
          <span class="lv">{level ? levelName(level[i] as number) : ""}</span>
          <span class="tg">{target?.[i] ?? ""}</span>
          <span class="m">{msg?.[i] ?? ""}</span>
        </div>
      ))}
    </div>
  );
}

function downloadCSV(f: Frame) {
  const blob = new Blob([toCSV(f, formatISO)], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "result.csv";
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
