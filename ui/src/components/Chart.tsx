import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { setParams } from "../router";
import { formatISO } from "../time";

/** A series of a chart: values aligned with the x values. */
export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
  /** Draw as a band between this series and the one named here (min/max). */
  bandWith?: string;
}

/** Chart draws series over time (x in float ms) with uPlot; dragging selects a range and zooms the page to it. */
export function Chart({
  x,
  series,
  height = 220,
  bars = false,
  unit = "",
  zoomToUrl = true,
  legend = true,
  testid,
}: {
  legend?: boolean;
  x: number[];
  series: Series[];
  height?: number;
  bars?: boolean;
  unit?: string;
  zoomToUrl?: boolean;
  testid?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current!;
    const xs = x.map((v) => v / 1000); // uPlot wants seconds
    const data = [xs, ...series.map((s) => s.values)] as uPlot.AlignedData;
    const idx = (label: string) => 1 + series.findIndex((s) => s.label === label);
    const opts: uPlot.Options = {
      width: host.clientWidth || 800,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { live: true, show: legend },
      // One point alone would stretch the axis over years: show a minute around it.
      scales: {
        x: { time: true, range: (_u, min, max) => (min === max ? [min - 30, max + 30] : [min, max]) },
      },
      axes: [
        { stroke: "#9aa4b2", grid: { stroke: "#2a313c" }, ticks: { stroke: "#2a313c" } },
        {
          stroke: "#9aa4b2",
          grid: { stroke: "#2a313c" },
          ticks: { stroke: "#2a313c" },
          size: 70,
          values: (_u, vals) => vals.map((v) => `${compact(v)}${unit ? " " + unit : ""}`),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dash,
          fill: bars ? s.color + "99" : undefined,
          paths: bars ? uPlot.paths.bars!({ size: [0.9, 40] }) : undefined,
          points: { show: x.length < 60 },
          value: (_u: uPlot, v: number | null) =>
            v === null ? "–" : `${compact(v)}${unit ? " " + unit : ""}`,
        })),
      ],
      bands: series
        .filter((s) => s.bandWith)
        .map((s) => ({ series: [idx(s.label), idx(s.bandWith!)] as [number, number], fill: s.color + "33" })),
      hooks: {
        setSelect: [
          (u) => {
            if (!zoomToUrl || u.select.width < 3) return;
            const b = u.posToVal(u.select.left, "x") * 1000;
            const e = u.posToVal(u.select.left + u.select.width, "x") * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            setParams({ from: formatISO(b), to: formatISO(e), live: null });
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, host);
    const ro = new ResizeObserver(() => plot.setSize({ width: host.clientWidth, height }));
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, height, bars, unit, legend]);
  return <div ref={el} class="chart" data-testid={testid} />;
}

/** compact shows a number with a short suffix. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toPrecision(3) + "G";
  if (a >= 1e6) return (v / 1e6).toPrecision(3) + "M";
  if (a >= 1e4) return (v / 1e3).toPrecision(3) + "k";
  if (a === 0) return "0";
  if (a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}
