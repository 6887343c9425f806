// The public management, logs and analytics API, with the account's token.
// Answers are Cloudflare's envelope: {success, errors, messages, result, result_info}.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  constructor({base, account, token}) {
    this.base = base.replace(/\/$/, "");
    this.account = account;
    this.token = token;
    this.onUnauthorized = null;
  }

  gatewaysPath(gateway = null) {
    const path = `/accounts/${encodeURIComponent(this.account)}/ai-gateway/gateways`;
    return gateway === null ? path : `${path}/${encodeURIComponent(gateway)}`;
  }

  /** One call: the envelope's `{result, info}`, or an ApiError with the API's message. */
  async call(method, path, {query = {}, body} = {}) {
    const response = await this.fetch(method, path, query, body);
    let envelope = null;
    try {
      envelope = await response.json();
    } catch {
      // not JSON: said below
    }
    if (!response.ok || !envelope || envelope.success === false) {
      throw this.failure(response.status, envelope);
    }
    return {result: envelope.result, info: envelope.result_info || {}};
  }

  /** A stored body as text with its content type (null when none was stored). */
  async body(gateway, logId, part) {
    const path = `${this.gatewaysPath(gateway)}/logs/${encodeURIComponent(logId)}/${part}`;
    const response = await this.fetch("GET", path, {});
    if (response.status === 404) return null;
    if (!response.ok) {
      let envelope = null;
      try { envelope = await response.json(); } catch { /* not JSON */ }
      throw this.failure(response.status, envelope);
    }
    return {text: await response.text(), contentType: response.headers.get("content-type") || ""};
  }

  async fetch(method, path, query, body) {
    const url = new URL(this.base + path, window.location.href);
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === "") continue;
      url.searchParams.set(name, typeof value === "string" ? value : JSON.stringify(value));
    }
    const headers = {Authorization: `Bearer ${this.token}`, Accept: "application/json, */*"};
    const init = {method, headers, cache: "no-store", credentials: "omit"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await fetch(url, init);
    } catch {
      throw new ApiError(0, `The API at ${this.base || "this address"} cannot be reached.`);
    }
  }

  failure(status, envelope) {
    const message = envelope?.errors?.[0]?.message || `The API answered ${status}.`;
    const error = new ApiError(status, message);
    if (status === 401 && this.onUnauthorized) this.onUnauthorized(error);
    return error;
  }

  // Gateways

  async listGateways() {
    const gateways = [];
    for (let page = 1; ; page++) {
      const {result, info} = await this.call("GET", this.gatewaysPath(), {
        query: {page: String(page), per_page: "100"},
      });
      gateways.push(...result);
      if (!result.length || gateways.length >= (info.total_count ?? 0)) return gateways;
    }
  }

  async createGateway(fields) {
    return (await this.call("POST", this.gatewaysPath(), {body: fields})).result;
  }

  async updateGateway(id, fields) {
    return (await this.call("PUT", this.gatewaysPath(id), {body: fields})).result;
  }

  async deleteGateway(id) {
    return (await this.call("DELETE", this.gatewaysPath(id))).result;
  }

  // Logs

  /** One page of logs: `query` holds filters (an array), search, order, cursor. */
  async listLogs(gateway, query) {
    return this.call("GET", `${this.gatewaysPath(gateway)}/logs`, {query});
  }

  async getLog(gateway, id) {
    const path = `${this.gatewaysPath(gateway)}/logs/${encodeURIComponent(id)}`;
    return (await this.call("GET", path)).result;
  }

  async editLog(gateway, id, fields) {
    const path = `${this.gatewaysPath(gateway)}/logs/${encodeURIComponent(id)}`;
    return (await this.call("PATCH", path, {body: fields})).result;
  }

  /** Delete the logs matching `query`, repeating while the API says it is not done. */
  async deleteLogs(gateway, query) {
    let deleted = 0;
    for (let round = 0; round < 50; round++) {
      const {result} = await this.call("DELETE", `${this.gatewaysPath(gateway)}/logs`, {query});
      deleted += result.deleted;
      if (result.complete) return deleted;
    }
    return deleted;
  }

  // Analytics

  async analytics(gateway, {start, end, groupBy}) {
    const query = {start, end, group_by: groupBy};
    return (await this.call("GET", `${this.gatewaysPath(gateway)}/analytics`, {query})).result;
  }
}
