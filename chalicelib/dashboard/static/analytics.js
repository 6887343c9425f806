// Analytics of one gateway from its hourly rollups: totals, charts over time (requests and
// errors, tokens in and out, cost, cache hit ratio) in total or per model or provider, and
// a breakdown by model or provider.

import {empty, failure, h, loading, replace} from "./dom.js";
import {count, localInputToIso, ms, percent, short, usd} from "./format.js";
import {groupCharts, totalCharts} from "./analytics_charts.js";
import {gatewayPicker} from "./picker.js";
import {bucketed, grouped, timeAxis, totals} from "./series.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
const RANGES = [["24h", "24 hours", DAY], ["7d", "7 days", 7 * DAY], ["30d", "30 days", 30 * DAY],
  ["90d", "90 days", 90 * DAY]];

function tile(label, value, note, id) {
  return h("div", {class: "card tile", id}, h("span", {class: "tile-label"}, label),
    h("strong", {class: "tile-value"}, value), note ? h("span", {class: "muted small"}, note) : null);
}

/** Buttons of `choices` ([name, text]), `chosen` pressed; a click calls `choose(name)`. */
function segmented(label, choices, chosen, data, choose) {
  return h("div", {class: "segmented", role: "group", "aria-label": label},
    choices.map(([name, text]) => h("button", {type: "button", class: "seg",
      "aria-pressed": String(chosen === name), dataset: {[data]: name},
      onclick: () => choose(name)}, text)));
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
  let split = "total";
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
      const [hours, groups, pairs] = await Promise.all([
        api.analytics(gateway, {start, end, groupBy: "hour"}),
        api.analytics(gateway, {start, end, groupBy}),
        split === "total" ? null : api.analytics(gateway, {start, end, groupBy: `hour,${split}`}),
      ]);
      if (mine !== generation) return;
      const sum = totals(hours);
      if (!sum.requests) {
        replace(body, empty("No requests in this period",
          "Pick a longer time range, or send requests through this gateway."));
        return;
      }
      const axis = timeAxis(Date.parse(start) / 1000, Date.parse(end) / 1000);
      charts = pairs ? groupCharts(axis.xs, grouped(pairs, split, axis), split)
        : totalCharts(axis.xs, bucketed(hours, axis));
      const splitSwitch = segmented("Charts", [["total", "Total"], ["model", "By model"],
        ["provider", "By provider"]], split, "split", (name) => {
        split = name;
        if (name !== "total") groupBy = name;
        load();
      });
      const groupSwitch = segmented("Group by", [["model", "By model"], ["provider", "By provider"]],
        groupBy, "group", (name) => { groupBy = name; load(); });
      replace(body,
        h("div", {class: "tiles"},
          tile("Requests", count(sum.requests), null, "tile-requests"),
          tile("Errors", count(sum.errors), percent(sum.errors, sum.requests), "tile-errors"),
          tile("Tokens in", short(sum.tokens_in), null, "tile-tokens-in"),
          tile("Tokens out", short(sum.tokens_out), null, "tile-tokens-out"),
          tile("Cost", usd(sum.cost), null, "tile-cost"),
          tile("Cache hits", percent(sum.cached, sum.requests), `${count(sum.cached)} cached`, "tile-cache"),
          tile("Avg duration", ms(sum.duration_sum / sum.requests), null, "tile-duration")),
        h("div", {class: "section-head"}, h("h2", {}, "Over time"), splitSwitch),
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
