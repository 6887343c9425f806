// The form of a gateway's settings: every field the API takes, the common ones as inputs,
// the newer ones (DLP, guardrails, Logpush, ...) as one JSON object.

import {h} from "./dom.js";

const SECTIONS = [
  {title: "Logging", fields: [
    {name: "collect_logs", label: "Collect logs", type: "bool"},
    {name: "log_management", label: "Log limit", type: "int",
      hint: "Most logs kept; empty for the plan's default."},
    {name: "log_management_strategy", label: "When the limit is reached", type: "choice",
      options: [["STOP_INSERTING", "Stop inserting"], ["DELETE_OLDEST", "Delete the oldest"]]},
  ]},
  {title: "Cache", fields: [
    {name: "cache_ttl", label: "Cache TTL (seconds)", type: "int", hint: "0 turns caching off."},
    {name: "cache_invalidate_on_update", label: "Drop the cache on each update", type: "bool"},
    {name: "cache_key_includes_credentials", label: "Callers with other keys never share answers",
      type: "bool"},
  ]},
  {title: "Rate limiting", fields: [
    {name: "rate_limiting_limit", label: "Requests", type: "int", hint: "0 for no limit."},
    {name: "rate_limiting_interval", label: "Per (seconds)", type: "int"},
    {name: "rate_limiting_technique", label: "Window", type: "choice",
      options: [["fixed", "Fixed"], ["sliding", "Sliding"]]},
  ]},
  {title: "Authentication", fields: [
    {name: "authentication", label: "Require aig-authorization (an API token of the account)",
      type: "bool"},
  ]},
  {title: "Retries", fields: [
    {name: "retry_max_attempts", label: "Attempts", type: "int", hint: "1 to 5."},
    {name: "retry_delay", label: "Delay (ms)", type: "int"},
    {name: "retry_backoff", label: "Backoff", type: "choice",
      options: [["constant", "Constant"], ["linear", "Linear"], ["exponential", "Exponential"]]},
  ]},
];

const ADVANCED = ["byok_only", "dlp", "guardrails", "log_classification", "logpush",
  "logpush_public_key", "otel", "spend_limits", "store_id", "stripe",
  "workers_ai_billing_mode", "zdr"];

const DEFAULTS = {
  collect_logs: true, log_management: null, log_management_strategy: "STOP_INSERTING",
  cache_ttl: 0, cache_invalidate_on_update: false, cache_key_includes_credentials: false,
  rate_limiting_limit: 0, rate_limiting_interval: 0, rate_limiting_technique: "fixed",
  authentication: false, retry_max_attempts: 1, retry_delay: 0, retry_backoff: "constant",
};

function input(field, value) {
  const id = `gw-${field.name}`;
  if (field.type === "bool") {
    return h("label", {class: "check", for: id},
      h("input", {id, name: field.name, type: "checkbox", checked: Boolean(value)}),
      h("span", {}, field.label));
  }
  const control = field.type === "choice"
    ? h("select", {id, name: field.name},
      field.options.map(([option, text]) =>
        h("option", {value: option, selected: option === value}, text)))
    : h("input", {id, name: field.name, type: "number", step: "1", min: "0", inputmode: "numeric",
      value: value === null || value === undefined ? "" : String(value)});
  return h("div", {class: "field"}, h("label", {for: id}, field.label), control,
    field.hint ? h("small", {class: "hint"}, field.hint) : null);
}

/** The form's fields for `gateway` (null: a new one) and how to read them back. */
export function gatewayForm(gateway) {
  const values = gateway || DEFAULTS;
  const id = gateway ? null : h("input", {id: "gw-id", name: "id", required: true,
    placeholder: "team-a", spellcheck: "false", autocomplete: "off",
    pattern: "[a-z0-9][a-z0-9_-]{0,63}"});
  const advancedValues = Object.fromEntries(
    ADVANCED.filter((name) => gateway && name in gateway).map((name) => [name, gateway[name]]));
  const advanced = h("textarea", {id: "gw-advanced", rows: 6, spellcheck: "false", class: "code"},
    JSON.stringify(advancedValues, null, 2));
  const body = h("div", {class: "gateway-form"},
    id ? h("div", {class: "field"}, h("label", {for: "gw-id"}, "Gateway ID"), id,
      h("small", {class: "hint"}, "Lower-case letters, digits, - and _ (up to 64).")) : null,
    SECTIONS.map((section) => h("fieldset", {},
      h("legend", {}, section.title),
      h("div", {class: "fields"}, section.fields.map((field) => input(field, values[field.name]))))),
    h("details", {class: "advanced"},
      h("summary", {}, "More settings (JSON)"),
      h("label", {for: "gw-advanced"}, "Newer Cloudflare settings, as a JSON object"), advanced,
      h("small", {class: "hint"}, `Fields: ${ADVANCED.join(", ")}.`)));

  function read() {
    const out = gateway ? {} : {id: id.value.trim()};
    for (const section of SECTIONS) {
      for (const field of section.fields) {
        const control = body.querySelector(`#gw-${field.name}`);
        if (field.type === "bool") out[field.name] = control.checked;
        else if (field.type === "choice") out[field.name] = control.value;
        else if (control.value.trim() === "") out[field.name] = null;
        else {
          const number = Number(control.value);
          if (!Number.isInteger(number)) throw new Error(`${field.label}: enter a whole number.`);
          out[field.name] = number;
        }
      }
    }
    let extra;
    try {
      extra = JSON.parse(advanced.value.trim() || "{}");
    } catch {
      throw new Error("More settings: not valid JSON.");
    }
    if (!extra || typeof extra !== "object" || Array.isArray(extra)) {
      throw new Error("More settings: expected a JSON object.");
    }
    return {...out, ...extra};
  }

  return {body, read};
}
