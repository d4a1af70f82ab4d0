// Small text helpers for what the runner stores and shows.

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** PostgreSQL text and jsonb cannot hold NUL; model output and fetched pages sometimes do. */
export function pgText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

const withoutNul = (_key: string, v: unknown) => (typeof v === 'string' ? pgText(v) : v);

/** JSON for a jsonb column: NUL characters in strings replaced. */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  // Almost nothing holds a NUL: one native scan of the result instead of a callback per value (a
  // false alarm, a literal backslash-u0000 in a string, only takes the slow path).
  if (json === undefined || !json.includes('\\u0000')) return json as string;
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
