// The dashboard's entry: sign-in, the top bar and the hash routes
// (#/gateways, #/logs/<gateway>, #/analytics/<gateway>). The token never enters a URL.

import {Api} from "./api.js";
import {h, replace} from "./dom.js";
import * as session from "./session.js";
import {renderSignIn} from "./signin.js";
import {renderGateways} from "./gateways.js";
import {renderLogs} from "./logs.js";
import {renderAnalytics} from "./analytics.js";

const VIEWS = {gateways: renderGateways, logs: renderLogs, analytics: renderAnalytics};
const LAST_GATEWAY = "aig-dashboard-gateway";

const view = document.getElementById("view");
const topbar = document.getElementById("topbar");
let api = null;
let cleanup = null;

function start(saved, notice = "") {
  if (!saved) {
    showSignIn(notice);
    return;
  }
  api = new Api(saved);
  api.onUnauthorized = () => signOut("Your API token was refused: sign in again.");
  document.getElementById("account-label").textContent = saved.account;
  topbar.hidden = false;
  route();
}

function showSignIn(notice) {
  api = null;
  topbar.hidden = true;
  teardown();
  const page = h("section", {class: "page signin-page"});
  replace(view, page);
  renderSignIn(page, {
    notice,
    onSignedIn(signedIn) {
      session.save(signedIn);
      start(signedIn);
    },
  });
}

function signOut(notice = "") {
  session.clear();
  sessionStorage.removeItem(LAST_GATEWAY);
  if (location.hash) history.replaceState(null, "", location.pathname);
  showSignIn(notice);
}

function teardown() {
  if (cleanup) cleanup();
  cleanup = null;
}

function route() {
  if (!api) return;
  const [name, gateway] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const section = name in VIEWS ? name : "gateways";
  for (const tab of topbar.querySelectorAll("[data-tab]")) {
    const active = tab.dataset.tab === section;
    tab.classList.toggle("active", active);
    if (active) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (gateway) sessionStorage.setItem(LAST_GATEWAY, gateway);
  teardown();
  const page = h("section", {class: `page ${section}-page`});
  replace(view, page);
  cleanup = VIEWS[section](page, {
    api,
    gateway: gateway || sessionStorage.getItem(LAST_GATEWAY) || null,
    navigate(hash) {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  }) || null;
}

document.getElementById("sign-out").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
start(session.load());
