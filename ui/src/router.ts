// Every page state lives in the URL (path and query), so that a link
// shows a colleague the same view. This module reads and writes it.
import { useEffect, useState } from "preact/hooks";

const subscribers = new Set<() => void>();

function notify() {
  subscribers.forEach((f) => f());
}

window.addEventListener("popstate", notify);

/** navigate goes to a URL of the app (pushing history unless replace). */
export function navigate(url: string, replace = false) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  notify();
}

/** setParams changes query parameters of the current URL; null removes one. */
export function setParams(update: Record<string, string | null | undefined>, replace = false) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(update)) {
    if (v === null || v === undefined || v === "") u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  const next = u.pathname + u.search;
  if (next !== location.pathname + location.search) navigate(next, replace);
}

/** The current location. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

/** useRoute re-renders on every URL change. */
export function useRoute(): Route {
  const [, force] = useState(0);
  useEffect(() => {
    const f = () => force((n) => n + 1);
    subscribers.add(f);
    return () => {
      subscribers.delete(f);
    };
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** withRange builds a URL keeping the time range (from, to, live) of the current one. */
export function withRange(path: string, extra: Record<string, string> = {}): string {
  const cur = new URLSearchParams(location.search);
  const q = new URLSearchParams();
  for (const k of ["from", "to", "live"]) {
    const v = cur.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** onLinkClick makes <a href="/..."> navigate inside the app (plain clicks only). */
export function onLinkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.("a");
  if (!a || a.target || a.hasAttribute("download")) return;
  const href = a.getAttribute("href");
  // /api/ and /auth/ (sign-in) are the server's, not pages of the app.
  if (!href || !href.startsWith("/") || href.startsWith("/api/") || href.startsWith("/auth/")) return;
  e.preventDefault();
  navigate(href);
}
