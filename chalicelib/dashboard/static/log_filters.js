// The log filters: the quick ones (status, provider, model, cached, feedback, time range,
// search) and a builder for any filter the API has ({key, operator, value[]}).

import {h} from "./dom.js";
import {localInputToIso} from "./format.js";

/** Every filter key of the logs API and its value type (chalicelib/logstore/filters.py). */
export const KEYS = {
  id: "string",
  created_at: "datetime",
  request_content_type: "string",
  response_content_type: "string",
  request_type: "string",
  success: "bool",
  cached: "bool",
  provider: "string",
  model: "string",
  model_type: "string",
  cost: "number",
  tokens: "number",
  tokens_in: "number",
  tokens_out: "number",
  duration: "number",
  feedback: "number",
  event_id: "string",
  "metadata.key": "string",
  "metadata.value": "string",
  status_code: "number",
  user_agent: "string",
};

const OPERATORS = {
  string: ["eq", "neq", "contains"],
  number: ["eq", "neq", "lt", "gt"],
  bool: ["eq", "neq"],
  datetime: ["lt", "gt", "eq", "neq"],
};

const FEEDBACK_TEXT = {"1": "good", "-1": "bad", "0": "none"};

const OPERATOR_TEXT = {eq: "is", neq: "is not", contains: "contains", lt: "<", gt: ">"};

export function emptyFilters() {
  return {search: "", status: "", provider: "", model: "", cached: "", feedback: "",
    from: "", to: "", extra: []};
}

function typed(key, raw) {
  const kind = KEYS[key];
  return raw.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    if (kind === "number") {
      const number = Number(part);
      if (!Number.isFinite(number)) throw new Error(`${key}: "${part}" is not a number.`);
      return number;
    }
    if (kind === "bool") return part === "true";
    if (kind === "datetime") return new Date(part).toISOString();
    return part;
  });
}

/** The API query of `filters` (a JSON `filters` array, search and the time range). */
export function toQuery(filters) {
  const list = [];
  const add = (key, operator, value) => list.push({key, operator, value});
  if (filters.status) add("success", "eq", [filters.status === "success"]);
  if (filters.cached) add("cached", "eq", [filters.cached === "yes"]);
  if (filters.feedback) {
    add("feedback", "eq", filters.feedback === "0" ? [0, null] : [Number(filters.feedback)]);
  }
  if (filters.provider) add("provider", "eq", [filters.provider]);
  if (filters.model) add("model", "eq", [filters.model]);
  for (const extra of filters.extra) {
    const value = typed(extra.key, extra.value);
    if (value.length) add(extra.key, extra.operator, value);
  }
  return {
    filters: list.length ? list : undefined,
    search: filters.search || undefined,
    start_date: localInputToIso(filters.from) || undefined,
    end_date: localInputToIso(filters.to) || undefined,
  };
}

/** The filters in words, for the delete confirmation. */
export function describe(filters) {
  const parts = [];
  if (filters.search) parts.push(`text "${filters.search}"`);
  if (filters.status) parts.push(filters.status === "success" ? "successful" : "failed");
  if (filters.provider) parts.push(`provider ${filters.provider}`);
  if (filters.model) parts.push(`model ${filters.model}`);
  if (filters.cached) parts.push(filters.cached === "yes" ? "cached" : "not cached");
  if (filters.feedback) parts.push(`feedback ${FEEDBACK_TEXT[filters.feedback]}`);
  if (filters.from) parts.push(`from ${filters.from.replace("T", " ")}`);
  if (filters.to) parts.push(`to ${filters.to.replace("T", " ")}`);
  for (const extra of filters.extra) {
    parts.push(`${extra.key} ${OPERATOR_TEXT[extra.operator]} ${extra.value}`);
  }
  return parts.length ? parts.join(", ") : "all logs";
}

function select(id, label, options, value) {
  return h("div", {class: "field"}, h("label", {for: id}, label),
    h("select", {id}, options.map(([option, text]) =>
      h("option", {value: option, selected: option === value}, text))));
}

function text(id, label, value, attrs = {}) {
  return h("div", {class: "field"}, h("label", {for: id}, label),
    h("input", {id, value, spellcheck: "false", autocomplete: "off", ...attrs}));
}

function extraRow(extra, onRemove) {
  const key = h("select", {class: "extra-key", "aria-label": "Filter field"},
    Object.keys(KEYS).map((name) => h("option", {value: name, selected: name === extra.key}, name)));
  const operator = h("select", {class: "extra-operator", "aria-label": "Operator"});
  const value = h("input", {class: "extra-value", value: extra.value, "aria-label": "Value",
    placeholder: "value (several: a, b)", spellcheck: "false"});
  const fillOperators = () => {
    const allowed = OPERATORS[KEYS[key.value]];
    operator.replaceChildren(...allowed.map((name) =>
      h("option", {value: name, selected: name === extra.operator}, OPERATOR_TEXT[name])));
  };
  key.addEventListener("change", fillOperators);
  fillOperators();
  const row = h("div", {class: "extra-row"}, key, operator, value,
    h("button", {class: "button ghost small", type: "button", "aria-label": "Remove filter",
      onclick: () => { row.remove(); onRemove(); }}, "✕"));
  row.read = () => ({key: key.value, operator: operator.value, value: value.value.trim()});
  return row;
}

/** How many filters are set besides the search. */
function activeCount(filters) {
  const set = ["status", "provider", "model", "cached", "feedback", "from", "to"]
    .filter((name) => filters[name]).length;
  return set + filters.extra.length;
}

/** The filter bar (its fields folded on phones); `onApply(filters)` runs on submit. */
export function filterBar(filters, onApply) {
  const wide = window.matchMedia("(min-width: 701px)");
  const active = activeCount(filters);
  const search = h("input", {id: "log-search", type: "search", value: filters.search,
    placeholder: "Search id, model, provider, path, event id…", spellcheck: "false"});
  const extras = h("div", {class: "extras"});
  const addExtra = (extra) => extras.append(extraRow(extra, () => {}));
  filters.extra.forEach(addExtra);

  const form = h("form", {class: "filters card", novalidate: true},
    h("div", {class: "search-row"}, search,
      h("button", {class: "button primary", type: "submit", id: "apply-filters"}, "Apply")),
    h("details", {class: "filter-details", open: wide.matches || active > 0},
      h("summary", {}, active ? `Filters · ${active} active` : "Filters"),
      h("div", {class: "filter-grid"},
        select("f-status", "Status", [["", "Any"], ["success", "Success"], ["error", "Error"]],
          filters.status),
        text("f-provider", "Provider", filters.provider, {placeholder: "openai"}),
        text("f-model", "Model", filters.model, {placeholder: "gpt-4o-mini"}),
        select("f-cached", "Cached", [["", "Any"], ["yes", "Cached"], ["no", "Not cached"]],
          filters.cached),
        select("f-feedback", "Feedback", [["", "Any"], ["1", "Good"], ["-1", "Bad"], ["0", "None"]],
          filters.feedback),
        text("f-from", "From", filters.from, {type: "datetime-local"}),
        text("f-to", "To", filters.to, {type: "datetime-local"})),
      extras,
      h("div", {class: "filter-actions"},
        h("button", {class: "button ghost small", type: "button", id: "add-filter",
          onclick: () => addExtra({key: "model", operator: "contains", value: ""})}, "+ Add filter"),
        h("button", {class: "button ghost small", type: "button", id: "clear-filters",
          onclick: () => onApply(emptyFilters())}, "Clear"))));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = (id) => form.querySelector(`#${id}`).value.trim();
    onApply({
      search: search.value.trim(), status: value("f-status"), provider: value("f-provider"),
      model: value("f-model"), cached: value("f-cached"), feedback: value("f-feedback"),
      from: value("f-from"), to: value("f-to"),
      extra: [...extras.children].map((row) => row.read()).filter((extra) => extra.value),
    });
  });
  return form;
}
