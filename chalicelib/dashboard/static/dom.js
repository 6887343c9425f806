// Building the page from data: every text goes in as a text node (never as markup), so
// whatever the API returns is shown as text.

/** An element: `h("div", {class: "x", onclick: fn}, "text", child, [more])`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "value" || name === "checked") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children (strings become text nodes; null and false are skipped). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace the content of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** The designed "loading" state. */
export function loading(text = "Loading…") {
  return h("div", {class: "state loading", role: "status"}, h("span", {class: "spinner"}), text);
}

/** The designed "nothing here" state, with a hint and optional actions. */
export function empty(title, hint, ...actions) {
  return h("div", {class: "state empty"},
    h("div", {class: "state-icon", "aria-hidden": "true"}, "∅"),
    h("h3", {}, title), hint ? h("p", {}, hint) : null,
    actions.length ? h("div", {class: "state-actions"}, actions) : null);
}

/** The designed error state, with a retry button when `retry` is given. */
export function failure(error, retry) {
  return h("div", {class: "state error", role: "alert"},
    h("div", {class: "state-icon", "aria-hidden": "true"}, "!"),
    h("h3", {}, "Something went wrong"),
    h("p", {}, error?.message || String(error)),
    retry ? h("button", {class: "button", type: "button", onclick: retry}, "Try again") : null);
}

/** A short message in the corner. */
export function toast(text, kind = "ok") {
  const box = document.getElementById("toasts");
  const item = h("div", {class: `toast ${kind}`}, text);
  box.append(item);
  setTimeout(() => item.remove(), 3500);
}

/** A modal dialog; resolves with the value `onSubmit` returns, or null when cancelled. */
export function modal({title, body, submitLabel = "Save", danger = false, onSubmit, wide = false}) {
  return new Promise((resolve) => {
    const error = h("p", {class: "form-error", role: "alert", hidden: true});
    const submit = h("button", {class: danger ? "button danger" : "button primary", type: "submit"},
      submitLabel);
    const cancel = h("button", {class: "button ghost", type: "button"}, "Cancel");
    const form = h("form", {class: "modal-form", method: "dialog", novalidate: true},
      h("header", {class: "modal-head"}, h("h2", {}, title)),
      h("div", {class: "modal-body"}, body, error),
      h("footer", {class: "modal-foot"}, cancel, submit));
    const dialog = h("dialog", {class: wide ? "modal wide" : "modal"}, form);
    let settled = false;
    const close = (value) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener("click", () => close(null));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(null); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.hidden = true;
      try {
        close(await onSubmit());
      } catch (exc) {
        error.textContent = exc.message || String(exc);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
