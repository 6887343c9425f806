// Gateways: the account's gateways with their log counts; create, edit, delete.

import {empty, failure, h, loading, modal, replace, toast} from "./dom.js";
import {count, short, time} from "./format.js";
import {gatewayForm} from "./gateway_form.js";

const NO_CAP = 10 ** 15;

function pill(text, kind = "") {
  return h("span", {class: `pill ${kind}`}, text);
}

function logLimit(gateway) {
  const limit = gateway.log_management;
  return limit === null || limit === undefined || limit >= NO_CAP ? "plan's" : short(limit);
}

function card(gateway, actions) {
  const rate = gateway.rate_limiting_limit
    ? `${count(gateway.rate_limiting_limit)} / ${count(gateway.rate_limiting_interval)} s`
    : "off";
  return h("article", {class: "card gateway-card", dataset: {gateway: gateway.id}},
    h("header", {class: "gateway-head"},
      h("h3", {class: "gateway-id"}, gateway.id),
      h("div", {class: "pills"},
        gateway.collect_logs ? pill("logging", "ok") : pill("not logging", "muted"),
        gateway.authentication ? pill("authenticated", "info") : null,
        gateway.cache_ttl ? pill(`cache ${count(gateway.cache_ttl)} s`, "info") : null)),
    h("dl", {class: "stats"},
      h("div", {}, h("dt", {}, "Logs"), h("dd", {class: "stored-logs"}, count(gateway.stored_logs))),
      h("div", {}, h("dt", {}, "Dropped"), h("dd", {class: "dropped-logs"}, count(gateway.dropped_logs))),
      h("div", {}, h("dt", {}, "Limit"), h("dd", {title: count(gateway.log_management)}, logLimit(gateway))),
      h("div", {}, h("dt", {}, "Rate limit"), h("dd", {}, rate))),
    h("p", {class: "muted small"}, `Created ${time(gateway.created_at)} · when full: `,
      (gateway.log_management_strategy || "STOP_INSERTING").toLowerCase().replace("_", " ")),
    h("footer", {class: "card-actions"},
      h("a", {class: "button small", href: `#/logs/${encodeURIComponent(gateway.id)}`}, "Logs"),
      h("a", {class: "button small", href: `#/analytics/${encodeURIComponent(gateway.id)}`}, "Analytics"),
      h("button", {class: "button small", type: "button", onclick: () => actions.edit(gateway)}, "Edit"),
      h("button", {class: "button small danger-text", type: "button",
        onclick: () => actions.remove(gateway)}, "Delete")));
}

export function renderGateways(page, {api}) {
  const content = h("div", {class: "content"});
  const create = h("button", {class: "button primary", type: "button", id: "new-gateway"}, "New gateway");
  const subtitle = h("p", {class: "muted"}, "");
  page.append(h("div", {class: "page-head"},
    h("div", {}, h("h1", {}, "Gateways"), subtitle), create), content);

  async function load() {
    replace(content, loading("Loading gateways…"));
    try {
      const gateways = await api.listGateways();
      subtitle.textContent = `${gateways.length} in account ${api.account}`;
      if (!gateways.length) {
        replace(content, empty("No gateways yet",
          "A gateway holds the settings, logs and analytics of the requests sent through it.",
          h("button", {class: "button primary", type: "button", onclick: openCreate}, "Create a gateway")));
        return;
      }
      replace(content, h("div", {class: "grid"}, gateways.map((gateway) => card(gateway, actions))));
    } catch (error) {
      replace(content, failure(error, load));
    }
  }

  async function openCreate() {
    const form = gatewayForm(null);
    const made = await modal({
      title: "New gateway", body: form.body, submitLabel: "Create gateway", wide: true,
      onSubmit: () => api.createGateway(form.read()),
    });
    if (made) {
      toast(`Gateway ${made.id} created`);
      load();
    }
  }

  const actions = {
    async edit(gateway) {
      const form = gatewayForm(gateway);
      const saved = await modal({
        title: `Edit ${gateway.id}`, body: form.body, submitLabel: "Save changes", wide: true,
        onSubmit: () => api.updateGateway(gateway.id, form.read()),
      });
      if (saved) {
        toast(`Gateway ${saved.id} saved`);
        load();
      }
    },
    async remove(gateway) {
      const typed = h("input", {id: "confirm-gateway", autocomplete: "off", spellcheck: "false"});
      const done = await modal({
        title: `Delete ${gateway.id}?`, submitLabel: "Delete gateway", danger: true,
        body: h("div", {},
          h("p", {}, `This deletes the gateway and its ${count(gateway.stored_logs)} logs with their ` +
            "bodies and analytics. It cannot be undone."),
          h("label", {for: "confirm-gateway"}, "Type the gateway ID to confirm"), typed),
        async onSubmit() {
          if (typed.value.trim() !== gateway.id) throw new Error("The ID typed is not this gateway's.");
          let answer = await api.deleteGateway(gateway.id);
          for (let round = 0; answer.deleting && round < 20; round++) {
            answer = await api.deleteGateway(gateway.id);
          }
          return answer;
        },
      });
      if (done) {
        toast(`Gateway ${gateway.id} deleted`);
        load();
      }
    },
  };

  create.addEventListener("click", openCreate);
  load();
}
