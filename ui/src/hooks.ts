import { useEffect, useRef, useState } from "preact/hooks";

/** The state of a load. */
export interface Load<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
}

/** useLoad runs fn when deps change, aborting the previous run; it keeps the last data while reloading. */
export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Load<T> {
  const [state, setState] = useState<Load<T>>({ loading: true });
  const seq = useRef(0);
  useEffect(() => {
    const ctl = new AbortController();
    const id = ++seq.current;
    setState((s) => ({ data: s.data, loading: true }));
    fn(ctl.signal).then(
      (data) => id === seq.current && setState({ data, loading: false }),
      (error) => {
        if (ctl.signal.aborted || (error as Error)?.name === "AbortError") return;
        if (id === seq.current) setState({ error, loading: false });
      },
    );
    return () => ctl.abort();
  }, deps);
  return state;
}

/** mark records a Performance API mark once per name (the browser tests read them). */
export function mark(name: string) {
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}
