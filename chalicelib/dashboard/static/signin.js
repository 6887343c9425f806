// The sign-in form: account id and API token (kept in sessionStorage), and where the API
// is (by default the address the dashboard is served from).

import {Api} from "./api.js";
import {h} from "./dom.js";
import {defaultBase} from "./session.js";

function explain(error, account) {
  if (error.status === 401) return "This API token was refused. Check it and try again.";
  if (error.status === 404) return `This token does not belong to an account "${account}".`;
  return error.message;
}

export function renderSignIn(page, {notice, onSignedIn}) {
  const account = h("input", {id: "signin-account", name: "account", required: true,
    autocomplete: "username", placeholder: "demo", spellcheck: "false"});
  const token = h("input", {id: "signin-token", name: "token", type: "password", required: true,
    autocomplete: "current-password", placeholder: "API token"});
  const base = h("input", {id: "signin-base", name: "base", type: "url",
    value: defaultBase(), spellcheck: "false"});
  const error = h("p", {class: "form-error", role: "alert", hidden: !notice}, notice || "");
  const submit = h("button", {class: "button primary block", type: "submit"}, "Sign in");

  const form = h("form", {class: "card signin", novalidate: true},
    h("div", {class: "signin-brand"}, h("img", {src: "favicon.svg", alt: "", width: 40, height: 40}),
      h("div", {}, h("h1", {}, "AI Gateway"), h("p", {class: "muted"}, "Sign in with an API token of your account"))),
    h("label", {for: "signin-account"}, "Account ID"), account,
    h("label", {for: "signin-token"}, "API token"), token,
    h("details", {class: "advanced"},
      h("summary", {}, "API address"),
      h("label", {for: "signin-base"}, "API base URL"), base,
      h("p", {class: "hint"}, "Where the management API answers. The dashboard served by the " +
        "gateway uses its own address; a copy served elsewhere must be on the API's origin.")),
    error, submit,
    h("p", {class: "hint"}, "The token stays in this tab's session storage and is cleared when you sign out or close the tab."));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const signedIn = {
      base: base.value.trim().replace(/\/$/, ""),
      account: account.value.trim(),
      token: token.value.trim(),
    };
    if (!signedIn.account || !signedIn.token) {
      error.textContent = "Enter the account ID and an API token.";
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    submit.textContent = "Signing in…";
    error.hidden = true;
    try {
      const probe = new Api(signedIn);
      await probe.call("GET", probe.gatewaysPath(), {query: {per_page: "1"}});
      onSignedIn(signedIn);
    } catch (exc) {
      error.textContent = explain(exc, signedIn.account);
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
  page.append(form);
  (account.value ? token : account).focus();
}
