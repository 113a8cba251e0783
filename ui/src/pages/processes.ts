// Shaping of the process list: search and sort (pure, unit-tested).

/** A row of the processes view. */
export interface ProcessRow {
  process_id: string;
  exe: string | null;
  computer: string | null;
  username: string | null;
  start_time: number | null;
  last_update_time: number | null;
  properties: string | null;
}

/** parseProps reads the JSON text of a properties column; bad text gives no properties. */
export function parseProps(s: string | null): Record<string, string> {
  if (!s) return {};
  try {
    const v = JSON.parse(s);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** filterSort keeps the rows where every word of the search appears (case-insensitive) and sorts them. */
export function filterSort(
  all: ProcessRow[],
  search: string,
  sort: keyof ProcessRow,
  desc: boolean,
): ProcessRow[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const kept = words.length
    ? all.filter((p) => {
        const hay = [p.exe, p.computer, p.username, p.process_id, p.properties].join(" ").toLowerCase();
        return words.every((w) => hay.includes(w));
      })
    : all.slice();
  const dir = desc ? -1 : 1;
  kept.sort((a, b) => {
    const x = a[sort];
    const y = b[sort];
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  return kept;
}
