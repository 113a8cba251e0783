/** The log levels of Micromegas (log_entries.level). */
export const LEVELS = ["", "fatal", "error", "warn", "info", "debug", "trace"];

/** levelName names a level number. */
export function levelName(l: number | null | undefined): string {
  return l !== null && l !== undefined && l >= 1 && l <= 6 ? LEVELS[l] : String(l ?? "");
}
