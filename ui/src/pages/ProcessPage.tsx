import { useEffect, useMemo } from "preact/hooks";
import { query } from "../api";
import { rows } from "../arrow";
import { ErrorBox } from "../components/ErrorBox";
import { useLoad } from "../hooks";
import { resolveRange, type Range } from "../range";
import { setParams, useRoute } from "../router";
import { uuid } from "../sql";
import { formatTime } from "../time";
import type { PageProps } from "../app";
import { FlameTab } from "./FlameTab";
import { LogViewer } from "./LogViewer";
import { MetricsTab } from "./MetricsTab";
import { PerfettoButtons } from "./Perfetto";
import { basename } from "./ProcessesPage";
import { parseProps } from "./processes";
import { TimelineTab } from "./TimelineTab";
import { countStreams, type StreamRow } from "./streams";

const TABS = [
  { id: "logs", label: "Logs" },
  { id: "metrics", label: "Metrics" },
  { id: "timeline", label: "Timeline" },
  { id: "flame", label: "Flame graph" },
];

/** ProcessPage shows one process: its info, counts, and tabs for logs, metrics, timeline and flame graph. */
export function ProcessPage({ pid, tick, now, setPageRange }: PageProps & { pid: string }) {
  const { params } = useRoute();
  const tab = params.get("tab") ?? "logs";
  const info = useLoad(
    (signal) =>
      query(
        `SELECT process_id, exe, username, realname, computer, distro, cpu_brand, start_time, last_update_time,
           parent_process_id, properties FROM processes WHERE process_id = ${uuid(pid)}`,
        { signal },
      ),
    [pid, tick],
  );
  const proc = info.data && info.data.length > 0 ? rows(info.data)[0] : null;
  // Without from/to in the URL, the range is the process's lifetime.
  const lifetime = useMemo(() => {
    if (!proc) return undefined;
    const b = proc.start_time as number;
    const e = Math.max(proc.last_update_time as number, b + 1);
    const pad = Math.max((e - b) * 0.02, 0.001);
    return { beginMs: b - pad, endMs: e + pad, label: `Process lifetime (${dur(e - b)})` };
  }, [proc?.start_time, proc?.last_update_time]);
  const r = lifetime || params.get("from") ? resolveRange(params, tick, now, lifetime) : null;
  const range = r && !("error" in r) ? r : null;
  useEffect(() => {
    setPageRange(range);
    return () => setPageRange(null);
  }, [range?.beginMs, range?.endMs, range?.label, range?.live]);
  const streams = useLoad(
    (signal) =>
      range
        ? query(
            `SELECT stream_id, "streams.tags" AS tags,
               coalesce(property_get("streams.properties", 'thread-name'), property_get("streams.properties", 'thread-id'), stream_id) AS thread,
               sum(nb_objects) AS events
             FROM blocks WHERE process_id = ${uuid(pid)} GROUP BY ALL ORDER BY thread`,
            { beginMs: range.beginMs, endMs: range.endMs, signal },
          )
        : Promise.resolve(undefined),
    [pid, range?.beginMs, range?.endMs, range?.tick],
  );
  const streamRows = (streams.data ? rows(streams.data) : []) as unknown as StreamRow[];
  const counts = countStreams(streamRows);
  if (info.error !== undefined) return <ErrorBox error={info.error} what="the process" />;
  if (info.data && !proc)
    return (
      <div class="error" role="alert">
        <b>No process {pid}</b>
        <p>
          It sent no data, or its data is past the retention period. Go back to the{" "}
          <a href="/">process list</a>.
        </p>
      </div>
    );
  if (!proc || !range)
    return r && "error" in r ? <div class="error">{r.error}</div> : <div class="loading">Loading…</div>;
  const props = parseProps(proc.properties as string);
  return (
    <section class="page process">
      <div class="page-head">
        <h1 title={proc.exe as string}>{basename(proc.exe as string)}</h1>
        <span class="muted mono">{pid}</span>
        <PerfettoButtons pid={pid} range={range} />
      </div>
      <div class="info-grid" data-testid="process-info">
        <Info k="Executable" v={proc.exe} />
        <Info k="Computer" v={proc.computer} />
        <Info k="User" v={proc.username} />
        <Info k="Distro" v={proc.distro} />
        <Info k="CPU" v={proc.cpu_brand} />
        <Info k="Started" v={formatTime(proc.start_time as number)} />
        <Info k="Last activity" v={formatTime(proc.last_update_time as number)} />
        {proc.parent_process_id ? (
          <div>
            <span class="k">Parent</span>
            <a href={`/process/${proc.parent_process_id}`}>{proc.parent_process_id as string}</a>
          </div>
        ) : null}
      </div>
      <div class="chips">
        {Object.entries(props).map(([k, v]) => (
          <span class="chip" key={k}>
            {k}={v}
          </span>
        ))}
      </div>
      <div class="counts" data-testid="counts">
        <Count n={counts.logs} label="log entries" />
        <Count n={counts.measures} label="measures" />
        <Count n={counts.threads} label="threads" />
        <Count n={counts.spanEvents} label="span events" />
        <span class="muted small">in {range.label.toLowerCase()}</span>
      </div>
      {streams.error !== undefined && <ErrorBox error={streams.error} what="the streams" />}
      <div class="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            class={tab === t.id ? "active" : ""}
            aria-selected={tab === t.id}
            onClick={() => setParams({ tab: t.id === "logs" ? null : t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {tab === "logs" && <LogViewer pid={pid} range={range} />}
        {tab === "metrics" && <MetricsTab pid={pid} range={range} />}
        {tab === "timeline" && <TimelineTab pid={pid} range={range} threads={counts.threadStreams} />}
        {tab === "flame" && <FlameTab pid={pid} range={range} threads={counts.threadStreams} />}
      </div>
    </section>
  );
}

function Info({ k, v }: { k: string; v: unknown }) {
  return (
    <div>
      <span class="k">{k}</span>
      <span>{v === null || v === undefined || v === "" ? "–" : String(v)}</span>
    </div>
  );
}

function Count({ n, label }: { n: number; label: string }) {
  return (
    <span class="count">
      <b>{n.toLocaleString("en-US")}</b> {label}
    </span>
  );
}

function dur(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
  if (ms < 120e3) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7200e3) return `${(ms / 60e3).toFixed(1)} min`;
  return `${(ms / 3600e3).toFixed(1)} h`;
}

export type { Range };
