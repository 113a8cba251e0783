import { useEffect, useMemo, useState } from "preact/hooks";
import { onBusy } from "./api";
import { TimeRangePicker } from "./components/TimeRangePicker";
import { UserMenu } from "./components/UserMenu";
import { ProcessesPage } from "./pages/ProcessesPage";
import { RefreshContext, resolveRange, type Range } from "./range";
import { onLinkClick, useRoute, withRange } from "./router";

/** App is the layout: the top bar (navigation, time range) and the page of the URL. */
export function App() {
  const route = useRoute();
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(0);
  // Pages with a default range of their own (a process's lifetime) report it here for the picker.
  const [pageRange, setPageRange] = useState<Range | null>(null);
  const live = route.params.get("live") === "1";
  useEffect(() => onBusy(setBusy), []);
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, [live]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "r" && !isTyping(e)) setTick((n) => n + 1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const now = useMemo(() => Date.now(), [tick, route.params.get("from"), route.params.get("to")]);
  const globalRange = resolveRange(route.params, tick, now);
  const page = pageFor(route.path);
  const shownRange = page.ownRange ? pageRange : "error" in globalRange ? null : globalRange;
  return (
    <RefreshContext.Provider value={tick}>
      <div class="layout" onClick={onLinkClick as unknown as (e: Event) => void}>
        <header class="topbar">
          <a class="brand" href={withRange("/")}>
            micromegas
          </a>
          <nav>
            <a href={withRange("/")} class={page.nav === "processes" ? "active" : ""}>
              Processes
            </a>
            <a href={withRange("/logs")} class={page.nav === "logs" ? "active" : ""}>
              Logs
            </a>
            <a href={withRange("/traces")} class={page.nav === "traces" ? "active" : ""}>
              Traces
            </a>
            <a href="/notebooks" class={page.nav === "notebooks" ? "active" : ""}>
              Notebooks
            </a>
          </nav>
          <span class={busy > 0 ? "busy on" : "busy"} title="Loading" data-testid="busy" />
          <TimeRangePicker range={shownRange} onRefresh={() => setTick((n) => n + 1)} />
          <UserMenu path={route.path} />
        </header>
        <main>
          {"error" in globalRange && !page.ownRange ? (
            <div class="error" role="alert">
              <b>Bad time range</b>
              <p>{globalRange.error}</p>
            </div>
          ) : (
            page.render({ tick, now, range: globalRange as Range, setPageRange })
          )}
        </main>
      </div>
    </RefreshContext.Provider>
  );
}

// Pages other than the process list load their code when first shown (charts, canvas, markdown), so that
// the first page loads less.
const ProcessPage = lazy<PageProps & { pid: string }>(() =>
  import("./pages/ProcessPage").then((m) => m.ProcessPage),
);
const LogsPage = lazy<PageProps>(() => import("./pages/LogsPage").then((m) => m.LogsPage));
const TracesPage = lazy<PageProps>(() => import("./pages/TracesPage").then((m) => m.TracesPage));
const TracePage = lazy<PageProps & { traceId: string }>(() =>
  import("./pages/TracePage").then((m) => m.TracePage),
);
const NotebooksPage = lazy<PageProps>(() => import("./pages/NotebooksPage").then((m) => m.NotebooksPage));
const NotebookPage = lazy<PageProps & { id: string }>(() =>
  import("./pages/NotebookPage").then((m) => m.NotebookPage),
);

/** lazy wraps a component whose module loads on first use. */
function lazy<P extends object>(
  load: () => Promise<(p: P) => preact.JSX.Element>,
): (p: P) => preact.JSX.Element {
  let loaded: preact.FunctionComponent<P> | null = null;
  let pending: Promise<unknown> | null = null;
  return function Lazy(p: P) {
    const [, setReady] = useState(false);
    useEffect(() => {
      if (loaded) return;
      pending ??= load().then((c) => (loaded = c as preact.FunctionComponent<P>));
      pending.then(() => setReady(true));
    }, []);
    const C = loaded;
    return C ? <C {...p} /> : <div class="loading">Loading…</div>;
  };
}

/** What a page gets from the layout. */
export interface PageProps {
  tick: number;
  now: number;
  range: Range;
  setPageRange: (r: Range | null) => void;
}

function pageFor(path: string): {
  nav: string;
  ownRange?: boolean;
  render: (p: PageProps) => preact.JSX.Element;
} {
  const m = /^\/process\/([^/]+)$/.exec(path);
  if (m)
    return {
      nav: "processes",
      ownRange: true,
      render: (p) => <ProcessPage pid={decodeURIComponent(m[1])} {...p} />,
    };
  if (path === "/logs") return { nav: "logs", render: (p) => <LogsPage {...p} /> };
  if (path === "/traces") return { nav: "traces", render: (p) => <TracesPage {...p} /> };
  const tr = /^\/traces\/([^/]+)$/.exec(path);
  if (tr)
    return {
      nav: "traces",
      ownRange: true,
      render: (p) => <TracePage traceId={decodeURIComponent(tr[1])} {...p} />,
    };
  if (path === "/notebooks") return { nav: "notebooks", render: (p) => <NotebooksPage {...p} /> };
  const nb = /^\/notebooks\/([^/]+)$/.exec(path);
  if (nb) return { nav: "notebooks", render: (p) => <NotebookPage id={decodeURIComponent(nb[1])} {...p} /> };
  if (path === "/" || path === "/processes")
    return { nav: "processes", render: (p) => <ProcessesPage {...p} /> };
  return {
    nav: "",
    render: () => (
      <div class="error" role="alert">
        <b>No page at {path}</b>
        <p>
          Go to the <a href="/">process list</a>.
        </p>
      </div>
    ),
  };
}

/** isTyping tells whether a key event goes to a text field. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement;
  return t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable;
}
