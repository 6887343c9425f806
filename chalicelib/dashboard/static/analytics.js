// Analytics of one gateway from its hourly rollups: totals, charts over time (requests and
// errors, tokens in and out, cost, cache hit ratio) and a breakdown by model or provider.

import {empty, failure, h, loading, replace} from "./dom.js";
import {count, localInputToIso, ms, percent, short, usd} from "./format.js";
import {timeChart} from "./charts.js";
import {gatewayPicker} from "./picker.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
const RANGES = [["24h", "24 hours", DAY], ["7d", "7 days", 7 * DAY], ["30d", "30 days", 30 * DAY],
  ["90d", "90 days", 90 * DAY]];

function buckets(rows, startS, endS) {
  const step = endS - startS > 8 * DAY ? DAY : HOUR;
  const first = Math.floor(startS / step) * step;
  const xs = [];
  for (let t = first; t < endS; t += step) xs.push(t);
  const sums = xs.map(() => ({requests: 0, errors: 0, cached: 0, tokens_in: 0, tokens_out: 0, cost: 0}));
  for (const row of rows) {
    const at = Math.floor(Date.parse(row.hour) / 1000 / step) * step;
    const index = (at - first) / step;
    if (index < 0 || index >= xs.length) continue;
    for (const name of Object.keys(sums[index])) sums[index][name] += row[name] || 0;
  }
  return {xs, sums, step};
}

function totals(rows) {
  const sum = {requests: 0, errors: 0, cached: 0, tokens_in: 0, tokens_out: 0, cost: 0, duration_sum: 0};
  for (const row of rows) for (const name of Object.keys(sum)) sum[name] += row[name] || 0;
  return sum;
}

function tile(label, value, note, id) {
  return h("div", {class: "card tile", id}, h("span", {class: "tile-label"}, label),
    h("strong", {class: "tile-value"}, value), note ? h("span", {class: "muted small"}, note) : null);
}

function breakdown(rows, key) {
  if (!rows.length) return h("p", {class: "muted"}, "Nothing in this period.");
  const sorted = [...rows].sort((a, b) => b.requests - a.requests);
  const most = sorted[0].requests || 1;
  return h("div", {class: "table-wrap"}, h("table", {class: "breakdown"},
    h("thead", {}, h("tr", {}, ["", "Requests", "Errors", "Tokens in", "Tokens out", "Cost",
      "Avg duration"].map((label, index) => h("th", {class: index ? "num" : "", scope: "col"},
      index ? label : key === "model" ? "Model" : "Provider")))),
    h("tbody", {}, sorted.map((row) => {
      const bar = h("span", {class: "bar"});
      bar.style.width = `${(100 * row.requests) / most}%`;
      return h("tr", {},
        h("td", {class: "name", dataset: {label: key}}, h("span", {class: "name-text"}, row[key] || "(none)"), bar),
        h("td", {class: "num", dataset: {label: "Requests"}}, count(row.requests)),
        h("td", {class: "num", dataset: {label: "Errors"}}, `${count(row.errors)} (${percent(row.errors, row.requests)})`),
        h("td", {class: "num", dataset: {label: "Tokens in"}}, count(row.tokens_in)),
        h("td", {class: "num", dataset: {label: "Tokens out"}}, count(row.tokens_out)),
        h("td", {class: "num", dataset: {label: "Cost"}}, usd(row.cost)),
        h("td", {class: "num", dataset: {label: "Avg duration"}}, ms(row.duration_avg)));
    }))));
}

export function renderAnalytics(page, {api, gateway, navigate}) {
  let range = "24h";
  let custom = null;
  let groupBy = "model";
  let charts = [];
  let generation = 0;
  const head = h("div", {class: "page-head"});
  const body = h("div", {class: "content"});
  page.append(head, body);

  const rangeButtons = h("div", {class: "segmented", role: "group", "aria-label": "Time range"});
  const from = h("input", {id: "a-from", type: "datetime-local", "aria-label": "From"});
  const to = h("input", {id: "a-to", type: "datetime-local", "aria-label": "To"});
  const customForm = h("form", {class: "custom-range", novalidate: true}, from, h("span", {class: "muted"}, "to"), to,
    h("button", {class: "button small", type: "submit"}, "Apply"));
  customForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!from.value || !to.value) return;
    custom = {start: localInputToIso(from.value), end: localInputToIso(to.value)};
    range = "custom";
    paintRanges();
    load();
  });

  function paintRanges() {
    rangeButtons.replaceChildren(...RANGES.map(([name, label]) => h("button", {
      type: "button", class: "seg", "aria-pressed": String(range === name), dataset: {range: name},
      title: `Last ${label}`, onclick: () => { range = name; custom = null; paintRanges(); load(); },
    }, name)));
  }

  function period() {
    if (custom) return custom;
    const seconds = RANGES.find(([name]) => name === range)[2];
    const end = new Date(Math.ceil(Date.now() / 1000 / HOUR) * HOUR * 1000);
    return {start: new Date(end.getTime() - seconds * 1000).toISOString(), end: end.toISOString()};
  }

  function clearCharts() {
    for (const chart of charts) chart.destroy();
    charts = [];
  }

  async function load() {
    const mine = ++generation;
    clearCharts();
    replace(body, loading("Loading analytics…"));
    const {start, end} = period();
    try {
      const [hours, groups] = await Promise.all([
        api.analytics(gateway, {start, end, groupBy: "hour"}),
        api.analytics(gateway, {start, end, groupBy}),
      ]);
      if (mine !== generation) return;
      const sum = totals(hours);
      if (!sum.requests) {
        replace(body, empty("No requests in this period",
          "Pick a longer time range, or send requests through this gateway."));
        return;
      }
      const {xs, sums} = buckets(hours, Date.parse(start) / 1000, Date.parse(end) / 1000);
      const series = (name) => sums.map((bucket) => bucket[name]);
      charts = [
        timeChart({title: "Requests and errors", id: "chart-requests", xs, format: short,
          series: [{label: "Requests", values: series("requests")},
            {label: "Errors", values: series("errors"), color: "#e11d48"}]}),
        timeChart({title: "Tokens", id: "chart-tokens", xs, format: short,
          series: [{label: "In", values: series("tokens_in"), color: "#0891b2"},
            {label: "Out", values: series("tokens_out"), color: "#7c3aed"}]}),
        timeChart({title: "Cost (USD)", id: "chart-cost", xs, format: usd,
          series: [{label: "Cost", values: series("cost"), color: "#d97706"}]}),
        timeChart({title: "Cache hit ratio", id: "chart-cache", xs, yMax: 100,
          format: (v) => `${Math.round(v)}%`,
          series: [{label: "Hits", color: "#16a34a", points: true,
            values: sums.map((b) => (b.requests ? (100 * b.cached) / b.requests : null))}]}),
      ];
      const groupSwitch = h("div", {class: "segmented", role: "group", "aria-label": "Group by"},
        [["model", "By model"], ["provider", "By provider"]].map(([name, label]) =>
          h("button", {type: "button", class: "seg", "aria-pressed": String(groupBy === name),
            dataset: {group: name}, onclick: () => { groupBy = name; load(); }}, label)));
      replace(body,
        h("div", {class: "tiles"},
          tile("Requests", count(sum.requests), null, "tile-requests"),
          tile("Errors", count(sum.errors), percent(sum.errors, sum.requests), "tile-errors"),
          tile("Tokens in", short(sum.tokens_in), null, "tile-tokens-in"),
          tile("Tokens out", short(sum.tokens_out), null, "tile-tokens-out"),
          tile("Cost", usd(sum.cost), null, "tile-cost"),
          tile("Cache hits", percent(sum.cached, sum.requests), `${count(sum.cached)} cached`, "tile-cache"),
          tile("Avg duration", ms(sum.duration_sum / sum.requests), null, "tile-duration")),
        h("div", {class: "charts"}, charts.map((chart) => chart.element)),
        h("section", {class: "card breakdown-card"},
          h("div", {class: "section-head"}, h("h2", {}, "Breakdown"), groupSwitch),
          breakdown(groups, groupBy)));
    } catch (error) {
      if (mine === generation) replace(body, failure(error, load));
    }
  }

  paintRanges();
  gatewayPicker(api, gateway, (chosen) => navigate(`#/analytics/${encodeURIComponent(chosen)}`))
    .then((picker) => {
      if (!picker.gateway) {
        replace(body, picker.empty);
        return;
      }
      if (picker.gateway !== gateway) {
        navigate(`#/analytics/${encodeURIComponent(picker.gateway)}`);
        return;
      }
      replace(head, h("div", {}, h("h1", {}, "Analytics"),
        h("p", {class: "muted"}, "From hourly rollups; times in your time zone.")),
      h("div", {class: "head-actions"}, picker.element, rangeButtons, customForm));
      load();
    })
    .catch((error) => replace(body, failure(error, () => navigate(location.hash))));
  replace(body, loading("Loading…"));
  return clearCharts;
}
