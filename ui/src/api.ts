// The HTTP API of the server: every piece of data the UI shows comes
// through these calls, which any other client can make too.
import { tableFromIPC, type Table } from "apache-arrow";
import { toFrame, type Frame } from "./arrow";
import { formatISO } from "./time";

/** An error of the API, with what the user can do about it. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint: string,
    readonly loginUrl?: string,
  ) {
    super(message);
  }
}

/** QueryOptions are the time range sent with a query (partition pruning) and a row limit. */
export interface QueryOptions {
  beginMs?: number;
  endMs?: number;
  limit?: number;
  signal?: AbortSignal;
}

let inflight = 0;
const listeners = new Set<(n: number) => void>();
/** onBusy tells how many requests are running (the busy indicator, and tests waiting for quiet). */
export function onBusy(f: (n: number) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
function busy(d: number) {
  inflight += d;
  (window as unknown as { __mmInflight: number }).__mmInflight = inflight;
  listeners.forEach((f) => f(inflight));
}

async function request(path: string, init: RequestInit): Promise<Response> {
  busy(1);
  let resp: Response;
  try {
    resp = await fetch(path, { credentials: "same-origin", ...init });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(
      `Cannot reach the server (${(e as Error).message}).`,
      0,
      "Check that `micromegas serve` is running and that this page's address is its web address, then press Refresh.",
    );
  } finally {
    busy(-1);
  }
  if (!resp.ok) throw await errorOf(resp);
  return resp;
}

async function errorOf(resp: Response): Promise<ApiError> {
  let msg = "";
  let loginUrl: string | undefined;
  const text = await resp.text().catch(() => "");
  try {
    const j = JSON.parse(text);
    msg = j.error ?? text;
    loginUrl = typeof j.login_url === "string" ? j.login_url : undefined;
  } catch {
    msg = text.trim() || resp.statusText;
  }
  const s = resp.status;
  const hint =
    s === 401
      ? loginUrl
        ? "Sign in, then come back to this page."
        : "This server requires credentials that the browser did not send; sign in through your organisation's proxy or ask an administrator."
      : s === 403
        ? "Your account may not read this data; ask an administrator for access."
        : s === 400
          ? "Fix the query (the message above comes from the SQL engine) and run it again."
          : s === 404
            ? "It may have been deleted, or the link is wrong."
            : s === 409
              ? "Reload to get the latest version, then apply your change again."
              : s === 504
                ? "Narrow the time range or add filters, then run again."
                : "The server failed; its log says why. Try again, or narrow the time range.";
  return new ApiError(msg, s, hint, loginUrl);
}

/** queryTable runs SQL through POST /api/query and returns the Arrow table. */
export async function queryTable(sql: string, o: QueryOptions = {}): Promise<Table> {
  const body: Record<string, unknown> = { sql };
  if (o.beginMs !== undefined && o.endMs !== undefined) {
    body.begin = formatISO(o.beginMs);
    body.end = formatISO(o.endMs);
  }
  if (o.limit) body.limit = o.limit;
  const resp = await request("/api/query", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/vnd.apache.arrow.stream" },
    body: JSON.stringify(body),
    signal: o.signal,
  });
  const buf = new Uint8Array(await resp.arrayBuffer());
  return tableFromIPC(buf);
}

/** query runs SQL and returns its columns. */
export async function query(sql: string, o: QueryOptions = {}): Promise<Frame> {
  return toFrame(await queryTable(sql, o));
}

/** A notebook as the API returns it. */
export interface Notebook {
  id: string;
  name: string;
  content?: NotebookContent;
  revision: number;
  created_at: string;
  updated_at: string;
}

/** The document of a notebook. */
export interface NotebookContent {
  version: 1;
  cells: Cell[];
}

/** One cell of a notebook. */
export interface Cell {
  id: string;
  type: "sql" | "markdown" | "variable";
  /** sql: the query; markdown: the text; variable: the query giving its choices (optional). */
  text: string;
  /** variable: its name, used as $name in later cells. */
  name?: string;
  /** variable: its default value. */
  value?: string;
  /** sql: how to show the result. */
  view?: "auto" | "table" | "line" | "bar" | "log";
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const resp = await request(path, {
    ...init,
    headers: { "Content-Type": "application/json", ...init.headers },
  });
  return resp.status === 204 ? (undefined as T) : ((await resp.json()) as T);
}

/** The notebook API. */
export const notebooks = {
  list: () => json<Notebook[]>("/api/notebooks"),
  get: (id: string) => json<Notebook>(`/api/notebooks/${encodeURIComponent(id)}`),
  create: (name: string, content: NotebookContent) =>
    json<Notebook>("/api/notebooks", { method: "POST", body: JSON.stringify({ name, content }) }),
  save: (id: string, name: string, content: NotebookContent, revision: number) =>
    json<Notebook>(`/api/notebooks/${encodeURIComponent(id)}`, {
      method: "PUT",
      body: JSON.stringify({ name, content, revision }),
    }),
  remove: (id: string) => json<void>(`/api/notebooks/${encodeURIComponent(id)}`, { method: "DELETE" }),
};

/** perfettoURL is the trace download of a process over a range. */
export function perfettoURL(pid: string, beginMs: number, endMs: number): string {
  const q = new URLSearchParams({ begin: formatISO(beginMs), end: formatISO(endMs) });
  return `/api/perfetto/${encodeURIComponent(pid)}?${q}`;
}

/** fetchBytes downloads a binary (the Perfetto trace) through the API. */
export async function fetchBytes(url: string): Promise<ArrayBuffer> {
  return (await request(url, {})).arrayBuffer();
}

/** signInURL is the server's sign-in (login_url of a 401) coming back to the current page. */
export function signInURL(loginUrl: string): string {
  const sep = loginUrl.includes("?") ? "&" : "?";
  return `${loginUrl}${sep}return=${encodeURIComponent(location.pathname + location.search)}`;
}

/** Who the server sees: GET /auth/me. */
export interface Me {
  subject: string;
  email?: string;
  name: string;
  issuer?: string;
  auth: "anonymous" | "api_key" | "oidc";
  admin: boolean;
  scopes: string;
  expires?: string;
  /** the server signs people in: POST /auth/logout ends the session */
  sign_out: boolean;
}

/** me asks who is signed in; an ApiError with status 401 (and loginUrl) when nobody is. */
export async function me(): Promise<Me> {
  const resp = await request("/auth/me", {});
  return (await resp.json()) as Me;
}
