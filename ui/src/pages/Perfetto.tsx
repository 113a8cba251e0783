import { useState } from "preact/hooks";
import { ApiError, fetchBytes, perfettoURL } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import type { Range } from "../range";

/** PERFETTO_ORIGIN is the Perfetto UI, which receives traces by postMessage. */
export const PERFETTO_ORIGIN = "https://ui.perfetto.dev";

/** PerfettoButtons download the process's trace over the range, or open it in the Perfetto UI. */
export function PerfettoButtons({ pid, range }: { pid: string; range: Range }) {
  const [state, setState] = useState<"" | "fetching" | "waiting">("");
  const [error, setError] = useState<unknown>();
  const url = perfettoURL(pid, range.beginMs, range.endMs);
  const open = async () => {
    setError(undefined);
    // Open the window now: browsers allow pop-ups only in the click's own turn.
    const win = window.open(`${PERFETTO_ORIGIN}/#!/`, "_blank");
    if (!win) {
      setError(
        new ApiError(
          "The browser blocked the Perfetto window.",
          -1,
          "Allow pop-ups for this site, or download the trace and open it in Perfetto.",
        ),
      );
      return;
    }
    try {
      setState("fetching");
      const buf = await fetchBytes(url);
      setState("waiting");
      await sendToPerfetto(win, buf, `${pid} ${range.label}`);
    } catch (e) {
      setError(e);
    } finally {
      setState("");
    }
  };
  return (
    <span class="perfetto">
      <a class="button" href={url} download={`${pid}.pftrace`} data-testid="perfetto-download">
        ⤓ Perfetto trace
      </a>
      <button onClick={open} disabled={state !== ""} data-testid="perfetto-open">
        {state === "fetching"
          ? "Building trace…"
          : state === "waiting"
            ? "Waiting for Perfetto…"
            : "Open in Perfetto"}
      </button>
      {error !== undefined && <ErrorBox error={error} what="the Perfetto trace" />}
    </span>
  );
}

/** sendToPerfetto hands a trace to a Perfetto UI window: PING until it answers PONG, then post the buffer. */
export function sendToPerfetto(
  win: Window,
  buffer: ArrayBuffer,
  title: string,
  timeoutMs = 20000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== PERFETTO_ORIGIN || e.data !== "PONG") return;
      clearInterval(timer);
      window.removeEventListener("message", onMessage);
      win.postMessage({ perfetto: { buffer, title, fileName: "trace.pftrace" } }, PERFETTO_ORIGIN);
      resolve();
    };
    window.addEventListener("message", onMessage);
    const timer = setInterval(() => {
      if (win.closed || Date.now() - started > timeoutMs) {
        clearInterval(timer);
        window.removeEventListener("message", onMessage);
        reject(
          new ApiError(
            "The Perfetto UI did not answer.",
            -1,
            "This machine may not reach ui.perfetto.dev: download the trace and open it in a Perfetto UI you can reach.",
          ),
        );
        return;
      }
      win.postMessage("PING", PERFETTO_ORIGIN);
    }, 100);
  });
}
