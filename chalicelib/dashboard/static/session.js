// The signed-in account: its API base URL, id and token, kept in sessionStorage only
// (gone when the tab closes; never in a URL, never logged).

const KEY = "aig-dashboard-session";

/** The API base URL of a page served by the gateway itself: its address without
 * `/dashboard/...` (so a stage prefix such as `/prod` is kept). */
export function defaultBase(location = window.location) {
  const path = location.pathname.replace(/\/dashboard(\/[^/]*)?$/, "");
  return location.origin + path.replace(/\/$/, "");
}

export function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && saved.account && saved.token && typeof saved.base === "string") return saved;
  } catch {
    // a damaged entry is no session
  }
  return null;
}

export function save(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clear() {
  sessionStorage.removeItem(KEY);
}
