// Time-zone mentions → IANA zones: abbreviations ("EST", "CET", "IST"), "<city> time", "(UTC)",
// "UTC+2", or an IANA name typed as is. Abbreviations are read the way people use them, not
// literally: "EST" in July still means New York time. A bare city ("in Paris") is not a zone —
// "book a hotel in Paris tomorrow at 9" is local time — so cities need "time" after them.
import { type Clause, hit, isPunct, isWord, opt, refuse, wordAt } from './match.ts';
import type { Toks } from './tokenize.ts';

const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['utc', 'UTC'], ['gmt', 'UTC'], ['zulu', 'UTC'],
  ['est', 'America/New_York'], ['edt', 'America/New_York'], ['et', 'America/New_York'],
  ['cst', 'America/Chicago'], ['cdt', 'America/Chicago'], ['ct', 'America/Chicago'],
  ['mst', 'America/Denver'], ['mdt', 'America/Denver'],
  ['pst', 'America/Los_Angeles'], ['pdt', 'America/Los_Angeles'], ['pt', 'America/Los_Angeles'],
  ['akst', 'America/Anchorage'], ['akdt', 'America/Anchorage'], ['hst', 'Pacific/Honolulu'],
  ['bst', 'Europe/London'], ['wet', 'Europe/Lisbon'], ['cet', 'Europe/Paris'], ['cest', 'Europe/Paris'],
  ['eet', 'Europe/Athens'], ['eest', 'Europe/Athens'], ['msk', 'Europe/Moscow'],
  ['ist', 'Asia/Kolkata'], ['pkt', 'Asia/Karachi'], ['sgt', 'Asia/Singapore'], ['hkt', 'Asia/Hong_Kong'],
  ['jst', 'Asia/Tokyo'], ['kst', 'Asia/Seoul'], ['aest', 'Australia/Sydney'], ['aedt', 'Australia/Sydney'],
  ['acst', 'Australia/Adelaide'], ['acdt', 'Australia/Adelaide'], ['awst', 'Australia/Perth'],
  ['nzst', 'Pacific/Auckland'], ['nzdt', 'Pacific/Auckland'], ['brt', 'America/Sao_Paulo'],
]);

/** Names that take "time" after them: "Paris time", "Pacific time", "New York time". */
const PLACES: ReadonlyMap<string, string> = new Map([
  ['eastern', 'America/New_York'], ['central', 'America/Chicago'], ['mountain', 'America/Denver'], ['pacific', 'America/Los_Angeles'],
  ['new york', 'America/New_York'], ['nyc', 'America/New_York'], ['boston', 'America/New_York'], ['washington', 'America/New_York'],
  ['miami', 'America/New_York'], ['toronto', 'America/Toronto'], ['chicago', 'America/Chicago'], ['dallas', 'America/Chicago'],
  ['houston', 'America/Chicago'], ['denver', 'America/Denver'], ['phoenix', 'America/Phoenix'],
  ['los angeles', 'America/Los_Angeles'], ['la', 'America/Los_Angeles'], ['san francisco', 'America/Los_Angeles'],
  ['seattle', 'America/Los_Angeles'], ['vancouver', 'America/Vancouver'], ['anchorage', 'America/Anchorage'],
  ['honolulu', 'Pacific/Honolulu'], ['hawaii', 'Pacific/Honolulu'], ['mexico city', 'America/Mexico_City'],
  ['sao paulo', 'America/Sao_Paulo'], ['rio', 'America/Sao_Paulo'], ['buenos aires', 'America/Argentina/Buenos_Aires'],
  ['london', 'Europe/London'], ['uk', 'Europe/London'], ['british', 'Europe/London'], ['dublin', 'Europe/Dublin'],
  ['lisbon', 'Europe/Lisbon'], ['paris', 'Europe/Paris'], ['france', 'Europe/Paris'], ['berlin', 'Europe/Berlin'],
  ['germany', 'Europe/Berlin'], ['madrid', 'Europe/Madrid'], ['rome', 'Europe/Rome'], ['amsterdam', 'Europe/Amsterdam'],
  ['brussels', 'Europe/Brussels'], ['zurich', 'Europe/Zurich'], ['vienna', 'Europe/Vienna'], ['stockholm', 'Europe/Stockholm'],
  ['oslo', 'Europe/Oslo'], ['copenhagen', 'Europe/Copenhagen'], ['warsaw', 'Europe/Warsaw'], ['prague', 'Europe/Prague'],
  ['helsinki', 'Europe/Helsinki'], ['athens', 'Europe/Athens'], ['istanbul', 'Europe/Istanbul'], ['kyiv', 'Europe/Kyiv'],
  ['kiev', 'Europe/Kyiv'], ['moscow', 'Europe/Moscow'], ['cairo', 'Africa/Cairo'], ['johannesburg', 'Africa/Johannesburg'],
  ['lagos', 'Africa/Lagos'], ['nairobi', 'Africa/Nairobi'], ['dubai', 'Asia/Dubai'], ['tel aviv', 'Asia/Jerusalem'],
  ['jerusalem', 'Asia/Jerusalem'], ['karachi', 'Asia/Karachi'], ['india', 'Asia/Kolkata'], ['indian', 'Asia/Kolkata'],
  ['mumbai', 'Asia/Kolkata'], ['delhi', 'Asia/Kolkata'], ['new delhi', 'Asia/Kolkata'], ['bangalore', 'Asia/Kolkata'],
  ['kolkata', 'Asia/Kolkata'], ['dhaka', 'Asia/Dhaka'], ['bangkok', 'Asia/Bangkok'], ['jakarta', 'Asia/Jakarta'],
  ['singapore', 'Asia/Singapore'], ['kuala lumpur', 'Asia/Kuala_Lumpur'], ['manila', 'Asia/Manila'],
  ['hong kong', 'Asia/Hong_Kong'], ['beijing', 'Asia/Shanghai'], ['shanghai', 'Asia/Shanghai'], ['china', 'Asia/Shanghai'],
  ['taipei', 'Asia/Taipei'], ['seoul', 'Asia/Seoul'], ['korea', 'Asia/Seoul'], ['tokyo', 'Asia/Tokyo'], ['japan', 'Asia/Tokyo'],
  ['sydney', 'Australia/Sydney'], ['melbourne', 'Australia/Melbourne'], ['brisbane', 'Australia/Brisbane'],
  ['perth', 'Australia/Perth'], ['adelaide', 'Australia/Adelaide'], ['auckland', 'Pacific/Auckland'],
  ['utc', 'UTC'], ['gmt', 'UTC'], ['universal', 'UTC'],
]);

const TIME_WORDS: ReadonlySet<string> = new Set(['time', 'timezone', 'tz']);
const US_REGIONS: ReadonlyMap<string, string> = new Map([
  ['eastern', 'America/New_York'], ['central', 'America/Chicago'], ['mountain', 'America/Denver'], ['pacific', 'America/Los_Angeles'],
]);

/** Whether a word names a zone or a place in the zone table (so it cannot start an instruction). */
export function isZoneWord(w: string): boolean {
  return ABBREVIATIONS.has(w) || US_REGIONS.has(w) || PLACES.has(w);
}

/** A place name of up to three words at i. */
function readPlace(t: Toks, i: number): { zone: string; end: number } | null {
  for (let len = 3; len >= 1; len--) {
    const parts: string[] = [];
    for (let k = 0; k < len; k++) parts.push(wordAt(t, i + k));
    const zone = parts.every(Boolean) ? PLACES.get(parts.join(' ')) : undefined;
    if (zone) return { zone, end: i + len };
  }
  return null;
}

/** "UTC+2", "GMT-5" → Etc/GMT-2, Etc/GMT+5 (IANA's Etc signs are inverted). */
function readOffset(t: Toks, i: number, zone: string): { zone: string; end: number } | { refuse: number } | null {
  const sign = isPunct(t, i, '+') ? -1 : isPunct(t, i, '-') ? 1 : 0;
  const num = t[i + 1];
  if (!sign || (num?.kind !== 'num' && num?.kind !== 'time')) return null;
  if (zone !== 'UTC') return null;
  if (num.kind === 'time' && num.parts[1] !== 0) return { refuse: i + 2 };
  const hours = num.kind === 'time' ? (num.parts[0] ?? 0) : num.value;
  if (!Number.isInteger(hours) || hours > 14) return { refuse: i + 2 };
  return { zone: hours === 0 ? 'UTC' : `Etc/GMT${sign > 0 ? '+' : '-'}${hours}`, end: i + 2 };
}

function zoneAt(t: Toks, i: number): { zone: string; end: number } | { refuse: number } | null {
  const tok = t[i];
  if (tok?.kind === 'zone') return { zone: tok.norm, end: i + 1 };
  const abbr = ABBREVIATIONS.get(wordAt(t, i));
  if (abbr) return readOffset(t, i + 1, abbr) ?? { zone: abbr, end: i + 1 };
  const place = readPlace(t, i);
  if (place && TIME_WORDS.has(wordAt(t, place.end))) return { zone: place.zone, end: place.end + 1 };
  // "9am Eastern": the four US regions are zones by themselves.
  const region = US_REGIONS.get(wordAt(t, i));
  if (region && !isWord(t, i + 1, 'european')) return { zone: region, end: i + 1 };
  // "Pacific Standard Time", "Central European Time"
  if (place && (isWord(t, place.end, 'standard') || isWord(t, place.end, 'daylight')) && isWord(t, place.end + 1, 'time')) {
    return { zone: place.zone, end: place.end + 2 };
  }
  if (words2(t, i, 'central', 'european') && isWord(t, i + 2, 'time')) return { zone: 'Europe/Paris', end: i + 3 };
  return null;
}

const words2 = (t: Toks, i: number, a: string, b: string) => isWord(t, i, a) && isWord(t, i + 1, b);

/** "EST", "in Tokyo time", "Paris time", "(UTC)", "UTC+2", "Europe/Paris", "local time". */
export const zoneClause: Clause = (t, i) => {
  if (isPunct(t, i, '(')) {
    const inner = zoneAt(t, i + 1);
    if (inner && 'zone' in inner && isPunct(t, inner.end, ')')) return hit(inner.end + 1, [{ f: 'zone', zone: inner.zone }], false);
    return null;
  }
  const j = isWord(t, i, 'in') || isWord(t, i, 'at') ? opt(t, i + 1, 'the') : i;
  if (words2(t, j, 'local', 'time') || words2(t, j, 'my', 'time')) return hit(j + 2, [], false);
  if (isWord(t, j, 'local') && j === i) return hit(j + 1, [], false);
  const z = zoneAt(t, j);
  if (!z) return null;
  if ('refuse' in z) return refuse(z.refuse, 'unsupported', 'only whole-hour UTC offsets are understood; name a city instead');
  const end = isWord(t, z.end, 'time') || isWord(t, z.end, 'timezone') ? z.end + 1 : z.end;
  return hit(end, [{ f: 'zone', zone: z.zone }], false);
};
