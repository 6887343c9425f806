// How values are written on the page.

const numbers = new Intl.NumberFormat(undefined);
const compact = new Intl.NumberFormat(undefined, {notation: "compact", maximumFractionDigits: 1});

export const DASH = "—";

export function count(value) {
  return value === null || value === undefined ? DASH : numbers.format(value);
}

export function short(value) {
  return value === null || value === undefined ? DASH : compact.format(value);
}

export function usd(value) {
  if (value === null || value === undefined) return DASH;
  if (value === 0) return "$0";
  const digits = Math.abs(value) < 0.01 ? 6 : 4;
  return "$" + value.toFixed(digits).replace(/0+$/, "").replace(/\.$/, "");
}

export function ms(value) {
  if (value === null || value === undefined) return DASH;
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

export function percent(part, whole) {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : DASH;
}

export function time(iso) {
  if (!iso) return DASH;
  const when = new Date(iso);
  return when.toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

export function fullTime(iso) {
  return iso ? new Date(iso).toLocaleString() : DASH;
}

/** A local `datetime-local` input value as ISO-8601 UTC ("" stays ""). */
export function localInputToIso(value) {
  return value ? new Date(value).toISOString() : "";
}
