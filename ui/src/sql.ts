// Helpers that write SQL text. Values a user types are always quoted
// here; identifiers of views are fixed strings.

/** str quotes a string as a SQL literal. */
export function str(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** ts writes a nanosecond time as a DuckDB TIMESTAMP_NS literal, which the server uses to prune partitions. */
export function ts(isoNs: string): string {
  return `CAST(${str(isoNs.replace("T", " ").replace("Z", ""))} AS TIMESTAMP_NS)`;
}

/** uuid checks that id looks like a UUID before it goes into SQL. */
export function uuid(id: string): string {
  if (!/^[0-9a-fA-F-]{36}$/.test(id)) throw new Error(`not a process or stream id: ${id}`);
  return str(id.toLowerCase());
}

/** contains writes a substring test (case-sensitive; the server skips files that cannot match). */
export function contains(column: string, needle: string): string {
  return `contains(${column}, ${str(needle)})`;
}

/** substitute replaces notebook variables ($name) by their values, longest names first; $$ stays a dollar. */
export function substitute(sqlText: string, vars: Record<string, string>): string {
  const names = Object.keys(vars).sort((a, b) => b.length - a.length);
  if (names.length === 0) return sqlText;
  const re = new RegExp(`\\$(${names.map(escapeRe).join("|")})\\b`, "g");
  return sqlText.replace(re, (_, name: string) => vars[name]);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** varsIn lists the $names a SQL text uses. */
export function varsIn(sqlText: string): string[] {
  return [...new Set([...sqlText.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];
}
