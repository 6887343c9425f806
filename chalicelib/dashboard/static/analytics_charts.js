// The analytics charts over time: the totals (requests and errors, tokens, cost, cache hit
// ratio), or one series per model or provider for each of requests, errors, tokens in,
// tokens out, cost and cache hit ratio.

import {short, usd} from "./format.js";
import {timeChart} from "./charts.js";

/** Distinct on white for colour-blind eyes too (Okabe-Ito, darkened); "other" is grey. */
const GROUP_COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#9a6700", "#1f2937"];
const OTHER_COLOR = "#94a3b8";

const ratio = (bucket) => (bucket.requests ? (100 * bucket.cached) / bucket.requests : null);
const percentAxis = (v) => `${Math.round(v)}%`;

/** The four charts of the totals per bucket. */
export function totalCharts(xs, sums) {
  const values = (name) => sums.map((bucket) => bucket[name]);
  return [
    timeChart({title: "Requests and errors", id: "chart-requests", xs, format: short,
      series: [{label: "Requests", values: values("requests")},
        {label: "Errors", values: values("errors"), color: "#e11d48"}]}),
    timeChart({title: "Tokens", id: "chart-tokens", xs, format: short,
      series: [{label: "In", values: values("tokens_in"), color: "#0891b2"},
        {label: "Out", values: values("tokens_out"), color: "#7c3aed"}]}),
    timeChart({title: "Cost (USD)", id: "chart-cost", xs, format: usd,
      series: [{label: "Cost", values: values("cost"), color: "#d97706"}]}),
    timeChart({title: "Cache hit ratio", id: "chart-cache", xs, yMax: 100, format: percentAxis,
      series: [{label: "Hits", color: "#16a34a", points: true, values: sums.map(ratio)}]}),
  ];
}

/** Six charts with one line per group of `grouped` (series.js); `noun` names the groups. */
export function groupCharts(xs, groups, noun) {
  const chart = (title, id, format, value, {yMax = null, points = false} = {}) => timeChart({
    title: `${title} by ${noun}`, id, xs, format, yMax,
    series: groups.map((group, index) => ({
      label: group.label, fill: false, points, values: group.sums.map(value),
      ...(group.other ? {color: OTHER_COLOR, dash: [6, 4]} : {color: GROUP_COLORS[index]}),
    })),
  });
  return [
    chart("Requests", "chart-requests", short, (b) => b.requests),
    chart("Errors", "chart-errors", short, (b) => b.errors),
    chart("Tokens in", "chart-tokens-in", short, (b) => b.tokens_in),
    chart("Tokens out", "chart-tokens-out", short, (b) => b.tokens_out),
    chart("Cost (USD)", "chart-cost", usd, (b) => b.cost),
    chart("Cache hit ratio", "chart-cache", percentAxis, ratio, {yMax: 100, points: true}),
  ];
}
