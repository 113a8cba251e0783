// Notebook logic without the DOM (unit-tested): new cells, variables and
// how a result is shown.
import DOMPurify from "dompurify";
import { marked } from "marked";
import type { Frame } from "../arrow";
import type { Cell, NotebookContent } from "../api";
import { substitute, ts } from "../sql";
import { formatISO, msToNs, nsToISO } from "../time";

let seq = 0;
/** newCell makes an empty cell of a type. */
export function newCell(type: Cell["type"], text = ""): Cell {
  const id = `c${Date.now().toString(36)}${(seq++).toString(36)}`;
  if (type === "variable") return { id, type, text, name: "var" + seq, value: "" };
  if (type === "sql") return { id, type, text, view: "auto" };
  return { id, type, text };
}

/** starterContent is the notebook a user creates: a note, a variable and a query using both. */
export function starterContent(sql?: string): NotebookContent {
  if (sql) return { version: 1, cells: [newCell("sql", sql)] };
  return {
    version: 1,
    cells: [
      newCell(
        "markdown",
        "## My notebook\nSQL cells run over the time range at the top right (`$from`, `$to`); variables are `$name`.",
      ),
      { ...newCell("variable", "SELECT DISTINCT exe FROM processes ORDER BY exe"), name: "exe", value: "" },
      newCell(
        "sql",
        "SELECT date_bin('1 minute', time) AS minute, count(*) AS entries\nFROM log_entries\nWHERE time >= $from AND time < $to AND exe LIKE '%$exe%'\nGROUP BY minute ORDER BY minute",
      ),
    ],
  };
}

/** variables returns the values cells can use: $from, $to, then the variable cells before index `before`
 * (a URL parameter var-NAME overrides a cell's value). */
export function variables(
  cells: Cell[],
  before: number,
  range: { beginMs: number; endMs: number },
  overrides: URLSearchParams,
): Record<string, string> {
  const vars: Record<string, string> = {
    from: ts(nsToISO(msToNs(range.beginMs))),
    to: ts(nsToISO(msToNs(range.endMs))),
    from_iso: `'${formatISO(range.beginMs)}'`,
    to_iso: `'${formatISO(range.endMs)}'`,
  };
  for (let i = 0; i < before && i < cells.length; i++) {
    const c = cells[i];
    if (c.type === "variable" && c.name) vars[c.name] = overrides.get(`var-${c.name}`) ?? c.value ?? "";
  }
  return vars;
}

/** finalSQL substitutes the variables into a cell's SQL. */
export function finalSQL(cell: Cell, vars: Record<string, string>): string {
  return substitute(cell.text, vars);
}

/** autoView picks how to show a result: a log view when it has msg, a line chart when it has a time column
 * and a number column, a table otherwise. */
export function autoView(f: Frame): "table" | "line" | "log" {
  const names = f.columns.map((c) => c.name);
  if (names.includes("msg") && f.columns.some((c) => c.kind === "time")) return "log";
  if (
    f.columns.some((c) => c.kind === "time") &&
    f.columns.some((c) => c.kind === "number" || c.kind === "bigint")
  )
    return "line";
  return "table";
}

/** chartData takes the first time column as x and the number columns as series, sorted by time. */
export function chartData(
  f: Frame,
): { x: number[]; series: { label: string; values: (number | null)[] }[] } | null {
  const t = f.columns.find((c) => c.kind === "time");
  if (!t) return null;
  const nums = f.columns.filter((c) => c !== t && (c.kind === "number" || c.kind === "bigint"));
  if (nums.length === 0) return null;
  const order = Array.from({ length: f.length }, (_, i) => i)
    .filter((i) => t.values[i] !== null)
    .sort((a, b) => (t.values[a] as number) - (t.values[b] as number));
  return {
    x: order.map((i) => t.values[i] as number),
    series: nums.map((c) => ({ label: c.name, values: order.map((i) => c.values[i] as number | null) })),
  };
}

/** renderMarkdown turns a markdown cell into safe HTML: scripts, handlers and javascript: links removed. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false }) as string;
  return DOMPurify.sanitize(html);
}

/** parseContent reads saved content, tolerating an older or hand-written document. */
export function parseContent(c: unknown): NotebookContent {
  const cells = (c as NotebookContent | undefined)?.cells;
  if (!Array.isArray(cells)) return { version: 1, cells: [] };
  return {
    version: 1,
    cells: cells
      .filter((x) => x && typeof x === "object" && ["sql", "markdown", "variable"].includes(x.type))
      .map((x) => ({ ...x, id: String(x.id ?? newCell(x.type).id), text: String(x.text ?? "") })),
  };
}
