// Time-series charts with the vendored uPlot (uPlot.iife.min.js, MIT: uPlot.LICENSE.txt).

import {h} from "./dom.js";

const COLORS = ["#4f46e5", "#e11d48", "#0891b2", "#d97706", "#16a34a", "#7c3aed"];

/** A chart card: `series` = [{label, values, color?, points?, fill?, dash?}] over `xs`
 * (unix seconds; fill defaults to true, dash is a canvas line dash such as [6, 4]);
 * `format(value)` writes the axis and legend values; the y axis runs from 0 to `yMax`
 * (default: the data's). Returns {element, destroy}. */
export function timeChart({title, xs, series, format, id, yMax = null}) {
  const plot = h("div", {class: "chart-plot"});
  const total = series.reduce((sum, one) => sum + one.values.filter((v) => v).length, 0);
  const element = h("figure", {class: "card chart", id, dataset: {points: String(total)}},
    h("figcaption", {}, title), plot);
  let chart = null;
  const size = () => ({width: Math.max(plot.clientWidth, 200), height: 200});
  const draw = () => {
    if (!window.uPlot) return;
    const options = {
      ...size(),
      cursor: {points: {size: 6}},
      legend: {live: true},
      scales: {x: {time: true},
        y: {range: (u, min, max) => [0, yMax ?? (max > 0 ? max * 1.1 : 1)]}},
      axes: [
        {stroke: "#64748b", grid: {stroke: "#eef0f4"}, ticks: {stroke: "#e2e8f0"}},
        {stroke: "#64748b", grid: {stroke: "#eef0f4"}, ticks: {stroke: "#e2e8f0"},
          size: (u, values) => 20 + 8 * Math.max(2, ...(values || []).map((v) => v.length)),
          values: (u, ticks) => ticks.map((tick) => format(tick))},
      ],
      series: [
        {value: (u, ts) => (ts === null ? "" : new Date(ts * 1000).toLocaleString())},
        ...series.map((one, index) => {
          const color = one.color || COLORS[index % COLORS.length];
          return {label: one.label, stroke: color, width: 2, dash: one.dash,
            fill: one.fill === false ? undefined : `${color}1f`,
            points: {show: one.points || xs.length <= 12, size: 5},
            value: (u, v) => (v === null ? "—" : format(v))};
        }),
      ],
    };
    chart = new window.uPlot(options, [xs, ...series.map((one) => one.values)], plot);
  };
  const resize = new ResizeObserver(() => {
    if (!chart) draw();
    else chart.setSize(size());
  });
  resize.observe(plot);
  return {
    element,
    destroy() {
      resize.disconnect();
      chart?.destroy();
    },
  };
}
