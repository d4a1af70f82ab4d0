// Which way round a numeric date goes for a locale: en-US writes 03/04 for March 4, en-GB for
// 3 April. The order comes from the platform's own date format for the locale (Intl), so every
// locale it knows is covered without a table of our own; a bare "en" decides nothing (the zone's
// habit is used, as without a locale), nor does a locale that writes the year first.

export type DateOrder = 'month-first' | 'day-first' | null;

const CACHE_MAX = 256;
const cache = new Map<string, DateOrder>();
const PROBE = new Date(Date.UTC(2026, 3, 3));

/** A canonical BCP 47 tag, or null when `locale` is not one. */
export function canonicalLocale(locale: string): string | null {
  if (typeof locale !== 'string' || locale.length === 0 || locale.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? null;
  } catch {
    return null;
  }
}

function orderOf(locale: string): DateOrder {
  const tag = canonicalLocale(locale);
  if (!tag || !new Intl.Locale(tag).region) return null;
  const parts = new Intl.DateTimeFormat(tag, { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC' }).formatToParts(PROBE);
  const first = parts.find((p) => p.type === 'year' || p.type === 'month' || p.type === 'day')?.type;
  return first === 'month' ? 'month-first' : first === 'day' ? 'day-first' : null;
}

/** How `locale` orders a numeric date, or null when it does not say. */
export function dateOrder(locale: string | undefined): DateOrder {
  if (!locale) return null;
  let order = cache.get(locale);
  if (order === undefined) {
    order = orderOf(locale);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(locale, order);
  }
  return order;
}

/** The first language tag of an Accept-Language header ("en-GB,en;q=0.8" → "en-GB"), or undefined. */
export function localeFromAcceptLanguage(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const first = header.split(',')[0]?.split(';')[0]?.trim();
  return first && first !== '*' ? (canonicalLocale(first) ?? undefined) : undefined;
}
