import { useState } from "preact/hooks";
import { setParams } from "../router";
import { formatISO, parseTimeSpec, PRESETS } from "../time";
import type { Range } from "../range";

/** TimeRangePicker sets from/to in the URL: presets, a custom range, refresh and live mode. */
export function TimeRangePicker({ range, onRefresh }: { range: Range | null; onRefresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [err, setErr] = useState("");
  const show = () => {
    setFrom(range?.explicit ? range.from : range ? formatISO(range.beginMs) : "now-1h");
    setTo(range?.explicit ? range.to : range ? formatISO(range.endMs) : "now");
    setErr("");
    setOpen(!open);
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const now = Date.now();
    const b = parseTimeSpec(from, now);
    const en = parseTimeSpec(to, now);
    if (b === null || en === null) {
      setErr("Write times as now, now-15m, now-2h, now-7d or ISO (2024-05-06T07:08:09Z).");
      return;
    }
    if (en <= b) {
      setErr("The end must be after the beginning.");
      return;
    }
    setParams({ from: from.trim(), to: to.trim() });
    setOpen(false);
  };
  return (
    <div class="picker">
      <button class="range-button" onClick={show} title="Time range" data-testid="range-button">
        {range ? range.label : "…"}
      </button>
      <button onClick={onRefresh} title="Refresh (R)" data-testid="refresh">
        ⟳
      </button>
      <label class="live" title="Live: refresh every 5 seconds">
        <input
          type="checkbox"
          checked={range?.live ?? false}
          data-testid="live"
          onChange={(e) => setParams({ live: (e.target as HTMLInputElement).checked ? "1" : null })}
        />{" "}
        Live
      </label>
      {open && (
        <div class="picker-menu" data-testid="range-menu">
          <div class="presets">
            {PRESETS.map((p) => (
              <button
                key={p.from}
                class={range?.from === p.from && range.to === "now" ? "active" : ""}
                onClick={() => {
                  setParams({ from: p.from, to: "now" });
                  setOpen(false);
                }}
              >
                {p.label}
              </button>
            ))}
          </div>
          <form onSubmit={apply} class="custom">
            <label>
              From{" "}
              <input
                value={from}
                onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
                name="from"
              />
            </label>
            <label>
              To <input value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} name="to" />
            </label>
            {err && <div class="field-error">{err}</div>}
            <button type="submit" class="primary">
              Apply
            </button>
          </form>
          <p class="muted">Drag on a chart or the timeline to zoom in.</p>
        </div>
      )}
    </div>
  );
}
