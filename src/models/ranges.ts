// What the database and the API can hold. Checked once, at the edge (the zod pieces in
// src/api/schemas.ts) and where instants are computed (src/scheduler/schedule.ts), so that an id or
// an instant out of range is a 4xx naming the field instead of a failed cast or a RangeError (a 500).

/** PostgreSQL's bigint maximum: every id is a bigint identity column. */
export const BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * A row id as the API shows it: the decimal digits of a bigint, nothing else (no sign, exponent,
 * space, 20th digit or leading zero). Canonical, so the id a client sends is the id the database
 * returns: "007" would find row 7 but compare unequal to "7" wherever ids are matched as strings.
 */
export function isRowId(s: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(s) && BigInt(s) <= BIGINT_MAX;
}

// Past year 9999 an ISO string needs an expanded year ("+010000-…") that PostgreSQL prints without
// the sign and `new Date` cannot read back; before 1970 nothing is left to schedule. Both ends in UTC.
export const MIN_INSTANT_MS = Date.UTC(1970, 0, 1);
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const INSTANT_RANGE = 'between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';

/** Whether a (possibly invalid) Date lies in [1970-01-01, 9999-12-31T23:59:59.999Z]. */
export function isInstantInRange(d: Date): boolean {
  const t = d.getTime();
  return t >= MIN_INSTANT_MS && t <= MAX_INSTANT_MS;
}
