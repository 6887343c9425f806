// Hourly analytics rows summed into a chart's time buckets: in total, or one series per
// model or provider (the top ones by requests in the range, the rest summed as "other").

const HOUR = 3600;
const DAY = 24 * HOUR;
export const TOP = 6;
const SUMS = ["requests", "errors", "cached", "tokens_in", "tokens_out", "cost", "duration_sum"];

/** The buckets of [startS, endS) (unix seconds): hours, or days beyond 8 days. */
export function timeAxis(startS, endS) {
  const step = endS - startS > 8 * DAY ? DAY : HOUR;
  const first = Math.floor(startS / step) * step;
  const xs = [];
  for (let t = first; t < endS; t += step) xs.push(t);
  return {xs, step, first};
}

/** The sums of `rows` (each with an ISO `hour`) per bucket of `axis`. */
export function bucketed(rows, {xs, step, first}) {
  const sums = xs.map(() => Object.fromEntries(SUMS.map((name) => [name, 0])));
  for (const row of rows) {
    const index = (Math.floor(Date.parse(row.hour) / 1000 / step) * step - first) / step;
    if (index < 0 || index >= xs.length) continue;
    for (const name of SUMS) sums[index][name] += row[name] || 0;
  }
  return sums;
}

/** The sums of `rows` over all of them. */
export function totals(rows) {
  const sum = Object.fromEntries(SUMS.map((name) => [name, 0]));
  for (const row of rows) for (const name of SUMS) sum[name] += row[name] || 0;
  return sum;
}

/** Rows of hour × `key` ("model" | "provider") as [{label, other, sums}]: the TOP keys by
 * requests (ties by name), then, when more, one "Other (n)" of the rest. */
export function grouped(rows, key, axis) {
  const requests = new Map();
  for (const row of rows) requests.set(row[key], (requests.get(row[key]) || 0) + (row.requests || 0));
  const ranked = [...requests.keys()].sort((a, b) => requests.get(b) - requests.get(a) || (a < b ? -1 : 1));
  const top = ranked.slice(0, TOP);
  const groups = top.map((name) => ({label: name || "(none)", other: false,
    sums: bucketed(rows.filter((row) => row[key] === name), axis)}));
  const rest = new Set(ranked.slice(TOP));
  if (rest.size) {
    groups.push({label: `Other (${rest.size})`, other: true,
      sums: bucketed(rows.filter((row) => rest.has(row[key])), axis)});
  }
  return groups;
}
