// Small text helpers for what the runner stores and shows.

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never between the two halves of a surrogate pair: a lone half is not valid text for PostgreSQL.
  const cut = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, cut)}… [${text.length - cut} more characters]`;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * PostgreSQL text and jsonb hold neither NUL nor a lone surrogate (jsonb refuses its `\ud800`
 * escape); model output and fetched pages sometimes carry both. Two native linear scans.
 */
export function pgText(text: string): string {
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
  return clean.isWellFormed() ? clean : clean.toWellFormed();
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

const withoutNul = (_key: string, v: unknown) => (typeof v === 'string' ? pgText(v) : v);

/** JSON for a jsonb column: NUL characters and lone surrogates in strings replaced. */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  // Almost nothing holds a NUL or a lone surrogate (JSON.stringify escapes only those as \ud8xx–
  // \udfxx; a valid pair stays raw): native scans of the result instead of a callback per value
  // (a false alarm, such an escape written literally in a string, only takes the slow path).
  if (json === undefined || (!json.includes('\\u0000') && !LONE_SURROGATE_ESCAPE.test(json))) return json as string;
  return JSON.stringify(value, withoutNul);
}

/** A value as the model reads it: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
