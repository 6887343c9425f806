// The gateway chooser of the logs and analytics views.

import {empty, h} from "./dom.js";

/** `{gateway, element, empty}`: the gateway to show (the one asked for when it exists,
 * else the first), a select that calls `onPick(id)`, and the state for no gateway. */
export async function gatewayPicker(api, wanted, onPick) {
  const gateways = await api.listGateways();
  const ids = gateways.map((gateway) => gateway.id);
  const gateway = ids.includes(wanted) ? wanted : ids[0] || null;
  const select = h("select", {id: "gateway-picker", "aria-label": "Gateway"},
    ids.map((id) => h("option", {value: id, selected: id === gateway}, id)));
  select.addEventListener("change", () => onPick(select.value));
  return {
    gateway,
    element: h("label", {class: "picker"}, h("span", {class: "muted small"}, "Gateway"), select),
    empty: empty("No gateways yet", "Create a gateway first; its logs and analytics show here.",
      h("a", {class: "button primary", href: "#/gateways"}, "Go to gateways")),
  };
}
