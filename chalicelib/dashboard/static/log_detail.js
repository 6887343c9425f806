// The detail panel of one log: its fields, metadata, feedback and score, and the request
// and response bodies (pretty JSON; a stream as its assembled text, the raw a click away).

import {h, replace, toast} from "./dom.js";
import {DASH, count, fullTime, ms, usd} from "./format.js";
import {presentBody} from "./sse.js";

const FIELDS = [
  ["ID", (log) => log.id],
  ["Created", (log) => fullTime(log.created_at)],
  ["Provider", (log) => log.provider],
  ["Model", (log) => log.model],
  ["Model type", (log) => log.model_type],
  ["Path", (log) => log.path],
  ["Request type", (log) => log.request_type],
  ["Status", (log) => `${log.status_code}${log.success ? "" : " (failed)"}`],
  ["Cached", (log) => (log.cached ? "yes" : "no")],
  ["Step", (log) => log.step],
  ["Duration", (log) => ms(log.duration)],
  ["Time to first token", (log) => ms(log.time_to_first_token)],
  ["Tokens in / out", (log) => (log.tokens_in === null && log.tokens_out === null
    ? "unknown (no usage reported)" : `${count(log.tokens_in)} / ${count(log.tokens_out)}`)],
  ["Cost", (log) => (log.cost === null ? "unknown"
    : usd(log.cost) + (log.custom_cost ? " (custom)" : ""))],
  ["Event ID", (log) => log.event_id],
  ["User agent", (log) => log.user_agent],
  ["Request", (log) => `${log.request_content_type || DASH} · ${count(log.request_size)} bytes`],
  ["Response", (log) => `${log.response_content_type || DASH} · ${count(log.response_size)} bytes`],
  ["Error", (log) => log.error],
];

function fieldList(log) {
  return h("dl", {class: "detail-fields"}, FIELDS.map(([label, read]) => {
    const value = read(log);
    if (value === null || value === undefined || value === "") return null;
    return h("div", {}, h("dt", {}, label), h("dd", {}, String(value)));
  }));
}

/** The log's metadata entries (the API gives them as a JSON object text). */
function metadataEntries(log) {
  if (!log.metadata) return [];
  try {
    const parsed = typeof log.metadata === "string" ? JSON.parse(log.metadata) : log.metadata;
    return parsed && typeof parsed === "object" ? Object.entries(parsed) : [["", log.metadata]];
  } catch {
    return [["", log.metadata]];
  }
}

function metadata(log) {
  const entries = metadataEntries(log);
  if (!entries.length) return h("p", {class: "muted"}, "No metadata.");
  return h("table", {class: "kv"}, h("tbody", {}, entries.map(([key, value]) =>
    h("tr", {}, h("th", {scope: "row"}, key), h("td", {}, typeof value === "string" ? value : JSON.stringify(value))))));
}

function feedbackEditor(api, gateway, log, onChange) {
  const buttons = [[1, "Good"], [-1, "Bad"], [0, "None"]].map(
    ([value, label]) => h("button", {type: "button", class: "button small feedback-button",
      "aria-pressed": String((log.feedback ?? 0) === value), title: `Feedback: ${label}`,
      dataset: {feedback: String(value)}, onclick: () => save({feedback: value})}, label));
  const score = h("input", {id: "log-score", type: "number", min: "0", max: "100", step: "any",
    value: log.score ?? "", placeholder: "0–100"});
  const status = h("span", {class: "muted small", role: "status"});

  async function save(fields) {
    status.textContent = "Saving…";
    try {
      const edited = await api.editLog(gateway, log.id, fields);
      Object.assign(log, edited);
      for (const button of buttons) {
        button.setAttribute("aria-pressed", String(Number(button.dataset.feedback) === (edited.feedback ?? 0)));
      }
      status.textContent = "Saved";
      onChange(edited);
    } catch (error) {
      status.textContent = "";
      toast(error.message, "error");
    }
  }

  const scoreForm = h("form", {class: "score-form", novalidate: true},
    h("label", {for: "log-score"}, "Score"), score,
    h("button", {class: "button small", type: "submit", id: "save-score"}, "Save score"));
  scoreForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = score.value.trim();
    if (value === "" || Number.isNaN(Number(value))) {
      toast("Enter a score from 0 to 100.", "error");
      return;
    }
    save({score: Number(value)});
  });
  return h("div", {class: "feedback"}, h("div", {class: "feedback-buttons"}, buttons), scoreForm, status);
}

function bodyView(title, body, id) {
  const section = h("section", {class: "body-section", id});
  const head = h("div", {class: "body-head"}, h("h3", {}, title));
  section.append(head);
  if (body === null) {
    section.append(h("p", {class: "muted"}, "No body was stored for this log."));
    return section;
  }
  const shown = presentBody(body.text, body.contentType);
  const pre = h("pre", {class: "body-text"}, shown.shown || "(empty)");
  section.append(pre);
  if (shown.kind === "stream") {
    head.append(h("span", {class: "pill info"}, `stream · ${shown.events} events`));
    let raw = false;
    const toggle = h("button", {type: "button", class: "button ghost small raw-toggle"}, "Show raw");
    toggle.addEventListener("click", () => {
      raw = !raw;
      pre.textContent = raw ? shown.raw : shown.shown;
      pre.classList.toggle("raw", raw);
      toggle.textContent = raw ? "Show assembled text" : "Show raw";
    });
    head.append(toggle);
    pre.classList.add("assembled");
  } else if (shown.kind === "json") {
    head.append(h("span", {class: "pill"}, "JSON"));
  }
  return section;
}

/** Open the panel of log `id`; `onChange(log)` runs when its feedback or score is saved. */
export function openLog(api, gateway, id, onChange) {
  document.querySelector(".drawer-backdrop")?.remove();
  const content = h("div", {class: "drawer-content"},
    h("div", {class: "state loading"}, h("span", {class: "spinner"}), "Loading the log…"));
  const close = () => {
    backdrop.remove();
    document.removeEventListener("keydown", onKey);
  };
  const onKey = (event) => { if (event.key === "Escape") close(); };
  const drawer = h("aside", {class: "drawer", role: "dialog", "aria-modal": "true",
    "aria-label": "Log details"},
    h("header", {class: "drawer-head"}, h("h2", {}, "Log"),
      h("button", {class: "button ghost small", type: "button", id: "close-log", onclick: close}, "Close ✕")),
    content);
  const backdrop = h("div", {class: "drawer-backdrop"}, drawer);
  backdrop.addEventListener("click", (event) => { if (event.target === backdrop) close(); });
  document.addEventListener("keydown", onKey);
  document.body.append(backdrop);

  Promise.all([
    api.getLog(gateway, id),
    api.body(gateway, id, "request"),
    api.body(gateway, id, "response"),
  ]).then(([log, request, response]) => {
    replace(content,
      h("div", {class: "detail-title"},
        h("span", {class: `pill ${log.success ? "ok" : "bad"}`}, String(log.status_code)),
        h("strong", {}, log.model || "(no model)"),
        h("span", {class: "muted"}, log.provider)),
      fieldList(log),
      h("h3", {}, "Metadata"), metadata(log),
      h("h3", {}, "Feedback"), feedbackEditor(api, gateway, log, onChange),
      bodyView("Request", request, "request-body"),
      bodyView("Response", response, "response-body"));
  }).catch((error) => {
    replace(content, h("div", {class: "state error", role: "alert"},
      h("h3", {}, "This log cannot be shown"), h("p", {}, error.message)));
  });
  drawer.querySelector("#close-log").focus();
}
