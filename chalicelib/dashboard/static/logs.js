// Logs of one gateway: filters and search, a table newest first that loads more as you
// scroll, a detail panel per log, and deleting the logs the current filters match.

import {empty, failure, h, loading, modal, replace, toast} from "./dom.js";
import {DASH, count, ms, time, usd} from "./format.js";
import {describe, emptyFilters, filterBar, toQuery} from "./log_filters.js";
import {openLog} from "./log_detail.js";
import {gatewayPicker} from "./picker.js";

const PAGE = 50;
const FEEDBACK = {"1": ["good", "ok"], "-1": ["bad", "bad"]};

function tokens(log) {
  if (log.tokens_in === null && log.tokens_out === null) return DASH;
  return `${count(log.tokens_in)} → ${count(log.tokens_out)}`;
}

function feedback(log) {
  const known = FEEDBACK[String(log.feedback)];
  return known ? h("span", {class: `pill ${known[1]}`}, known[0]) : DASH;
}

const COLUMNS = [
  ["Time", (log) => time(log.created_at), "time"],
  ["Provider", (log) => log.provider, ""],
  ["Model", (log) => log.model || DASH, "model"],
  ["Status", (log) => h("span", {class: `pill ${log.success ? "ok" : "bad"}`}, String(log.status_code)), ""],
  ["Tokens", tokens, "num"],
  ["Cost", (log) => usd(log.cost), "num"],
  ["Duration", (log) => ms(log.duration), "num"],
  ["Cached", (log) => (log.cached ? h("span", {class: "pill info"}, "hit") : DASH), ""],
  ["Feedback", feedback, ""],
];

/** The columns a phone shows in one line under the model, status, time and cost. */
function phoneLine(log) {
  const parts = [log.provider, ms(log.duration)];
  if (log.tokens_in !== null || log.tokens_out !== null) parts.push(`${tokens(log)} tokens`);
  if (log.cached) parts.push("cached");
  if (FEEDBACK[String(log.feedback)]) parts.push(`feedback: ${FEEDBACK[String(log.feedback)][0]}`);
  return parts.join(" · ");
}

function row(log, onOpen) {
  return h("tr", {tabindex: "0", dataset: {log: log.id}, onclick: () => onOpen(log.id),
    onkeydown: (event) => { if (event.key === "Enter") onOpen(log.id); }},
  COLUMNS.map(([label, read, kind]) => h("td", {class: kind, dataset: {label}}, read(log))),
  h("td", {class: "phone-only", "aria-hidden": "true"}, phoneLine(log)));
}

export function renderLogs(page, {api, gateway, navigate}) {
  let filters = emptyFilters();
  let cursor = null;
  let busy = false;
  let generation = 0;
  const head = h("div", {class: "page-head"});
  const body = h("div", {class: "content"});
  page.append(head, body);

  const summary = h("p", {class: "muted", id: "log-count"}, "");
  const tbody = h("tbody", {});
  const table = h("div", {class: "table-wrap card"}, h("table", {class: "logs-table"},
    h("thead", {}, h("tr", {}, COLUMNS.map(([label, , kind]) => h("th", {class: kind, scope: "col"}, label)))),
    tbody));
  const more = h("div", {class: "more"});
  const sentinel = h("div", {class: "sentinel", "aria-hidden": "true"});
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, {rootMargin: "400px"});

  const open = (id) => openLog(api, gateway, id, (edited) => {
    const old = tbody.querySelector(`tr[data-log="${CSS.escape(edited.id)}"]`);
    if (old) old.replaceWith(row(edited, open));
  });

  async function fetchPage() {
    const query = {...toQuery(filters), per_page: String(PAGE), cursor: cursor || undefined};
    return api.listLogs(gateway, query);
  }

  function showMore() {
    if (cursor) {
      replace(more, h("button", {class: "button", type: "button", id: "load-more", onclick: loadMore},
        "Load more"));
    } else {
      replace(more, tbody.children.length > PAGE ? h("p", {class: "muted small"}, "End of the logs.") : null);
    }
  }

  async function load() {
    const mine = ++generation;
    cursor = null;
    busy = true;
    replace(body, filterBar(filters, (next) => { filters = next; load(); }), loading("Loading logs…"));
    try {
      const {result, info} = await fetchPage();
      if (mine !== generation) return;
      const filtered = JSON.stringify(filters) !== JSON.stringify(emptyFilters());
      summary.textContent = info.total_count !== undefined
        ? `${count(info.total_count)} ${filtered ? "matching " : ""}logs`
        : filtered ? "Logs matching the filters" : "";
      cursor = info.cursor || null;
      tbody.replaceChildren(...result.map((log) => row(log, open)));
      if (!result.length) {
        body.lastChild.replaceWith(filtered
          ? empty("No logs match", "Change or clear the filters to see more.",
            h("button", {class: "button", type: "button", onclick: () => { filters = emptyFilters(); load(); }},
              "Clear filters"))
          : empty("No logs yet", "Send a request through this gateway and it shows up here: " +
            `${api.base}/v1/${api.account}/${gateway}/openai is an OpenAI SDK's base URL.`));
        return;
      }
      body.lastChild.replaceWith(h("div", {class: "results"}, table, more, sentinel));
      showMore();
      observer.observe(sentinel);
    } catch (error) {
      if (mine === generation) body.lastChild.replaceWith(failure(error, load));
    } finally {
      if (mine === generation) busy = false;
    }
  }

  async function loadMore() {
    if (busy || !cursor) return;
    busy = true;
    const mine = generation;
    replace(more, loading("Loading more…"));
    try {
      const {result, info} = await fetchPage();
      if (mine !== generation) return;
      cursor = info.cursor || null;
      tbody.append(...result.map((log) => row(log, open)));
      showMore();
    } catch (error) {
      if (mine === generation) replace(more, failure(error, loadMore));
    } finally {
      if (mine === generation) busy = false;
    }
  }

  async function deleteMatching() {
    const what = describe(filters);
    const deleted = await modal({
      title: "Delete logs?", submitLabel: "Delete logs", danger: true,
      body: h("div", {},
        h("p", {}, "This deletes every log of ", h("strong", {}, gateway), " matching: ",
          h("strong", {id: "delete-scope"}, what), ", with their bodies. It cannot be undone.")),
      onSubmit: () => api.deleteLogs(gateway, toQuery(filters)),
    });
    if (deleted !== null) {
      toast(`Deleted ${count(deleted)} logs`);
      load();
    }
  }

  gatewayPicker(api, gateway, (chosen) => navigate(`#/logs/${encodeURIComponent(chosen)}`))
    .then((picker) => {
      if (!picker.gateway) {
        replace(body, picker.empty);
        return;
      }
      if (picker.gateway !== gateway) {
        navigate(`#/logs/${encodeURIComponent(picker.gateway)}`);
        return;
      }
      replace(head, h("div", {}, h("h1", {}, "Logs"), summary),
        h("div", {class: "head-actions"}, picker.element,
          h("button", {class: "button danger-outline", type: "button", id: "delete-logs",
            onclick: deleteMatching}, "Delete matching…")));
      load();
    })
    .catch((error) => replace(body, failure(error, () => navigate(location.hash))));
  replace(body, loading("Loading…"));
  return () => {
    observer.disconnect();
    document.querySelector(".drawer-backdrop")?.remove();
  };
}
