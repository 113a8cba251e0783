// Shaping of a process's streams (the blocks view grouped by stream).

/** A stream of the process with its event count in the range. */
export interface StreamRow {
  stream_id: string;
  tags: string | null;
  thread: string;
  events: number;
}

/** A thread: a "cpu" stream. */
export interface Thread {
  streamId: string;
  name: string;
  events: number;
}

/** Counts of a process in a range. */
export interface Counts {
  logs: number;
  measures: number;
  spanEvents: number;
  threads: number;
  threadStreams: Thread[];
}

/** tagsOf reads a tags cell, which Arrow gives as a list rendered to JSON text. */
export function tagsOf(t: string | null): string[] {
  if (!t) return [];
  try {
    const v = JSON.parse(t);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return t.split(",").map((s) => s.trim());
  }
}

/** countStreams adds up events by stream tag: log, metrics and cpu (spans). */
export function countStreams(rows: StreamRow[]): Counts {
  const c: Counts = { logs: 0, measures: 0, spanEvents: 0, threads: 0, threadStreams: [] };
  for (const r of rows) {
    const tags = tagsOf(r.tags);
    const n = Number(r.events ?? 0);
    if (tags.includes("log")) c.logs += n;
    if (tags.includes("metrics")) c.measures += n;
    if (tags.includes("cpu")) {
      c.spanEvents += n;
      c.threads++;
      c.threadStreams.push({ streamId: r.stream_id, name: r.thread, events: n });
    }
  }
  c.threadStreams.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  return c;
}
