// fast-check arbitraries for hostile HTTP input: strings, JSON values, raw bodies, query strings,
// path parameters, headers. Shared by the API fuzz tests.
import fc from 'fast-check';

/**
 * Instants at and past the edges of what tickler holds (1970-01-01 to 9999-12-31T23:59:59.999Z, UTC):
 * expanded years, offsets that cross a year, dates before the epoch, local date-times.
 */
export const RANGE_INSTANTS = [
  '+010000-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-14:00',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59',
  '+010000-01-01T00:00:00',
  '+275760-09-13T00:00:00.000Z',
  '0001-01-01',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1969-12-31T23:59:59',
  '1970-01-01T00:00:00Z',
  '1970-01-01T00:00:00+00:01',
  '-000001-01-01T00:00:00Z',
];
/** Epoch numbers (milliseconds and seconds) around the same edges and past what a Date holds. */
export const RANGE_EPOCHS = [253402300799999, 253402300800000, 253402300800, -1, 0, -62135596800000, 8.64e15, 8.64e15 + 1];
/** Ids around PostgreSQL's bigint edges: the largest, one past it, 20 digits, leading zeros, negatives. */
export const RANGE_IDS = [
  '9223372036854775807',
  '9223372036854775808',
  '9999999999999999999',
  '18446744073709551616',
  '99999999999999999999',
  '00000000000000000000001',
  '-9223372036854775808',
  '-9223372036854775809',
];

/** A value from the range edges, as a field would receive it: a string, a number, an id list. */
export const rangeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...RANGE_INSTANTS),
  fc.constantFrom(...RANGE_EPOCHS),
  fc.constantFrom(...RANGE_IDS),
  fc.constantFrom(...RANGE_IDS).map(Number),
  fc.array(fc.constantFrom(...RANGE_IDS), { minLength: 1, maxLength: 3 }),
);

/** Strings that have broken parsers, validators, databases and logs before. */
export const NASTY_STRINGS = [
  ...RANGE_INSTANTS,
  ...RANGE_IDS,
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800', // a lone surrogate: not encodable as UTF-8
  '\uDFFF\uD800',
  '\u202Eevil', // right-to-left override
  '\u200B\u200C\u200D\uFEFF', // zero-width characters and a BOM
  'e\u0301\u0301\u0301', // combining marks
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '𝕿𝖎𝖈𝖐𝖑𝖊𝖗',
  'İıſK', // case-folding surprises
  "' OR '1'='1",
  "1; drop table tasks; --",
  "'); delete from users; --",
  '$1',
  '%s%s%s%n',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${7*7}',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '-0',
  '1e309',
  '0x1F',
  '0b101',
  '9'.repeat(40),
  '-9223372036854775809',
  '9223372036854775808',
  '1.5',
  '* * * * * * *',
  '*/0 * * * *',
  '0 0 31 2 *',
  '@every 0s',
  '60 60 24 32 13 8',
  'every 0 seconds',
  'every -5 minutes',
  'at 25:61',
  'every day at 9am in Mars/Olympus_Mons',
  '2026-02-30T25:61:61Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '0000-00-00T00:00:00Z',
  'Europe/Paris\u0000',
  'Etc/GMT+99',
  'a'.repeat(300),
  'x'.repeat(70_000),
  '\n'.repeat(5000),
  'every '.repeat(2000),
  '('.repeat(5000),
  '9 '.repeat(5000),
];

const hugeString = fc.constantFrom('x'.repeat(100_000), '🙂'.repeat(30_000), 'every day at 9am '.repeat(3000));

/** A hostile string: the list above, random strings of every unit, or huge ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDC00', '\u202E', 'a', '0', ' ', '*', '/', ','), maxLength: 200 }) },
  { weight: 1, arbitrary: hugeString },
);

/** Numbers JSON can carry that no field wants. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, -0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 1e21, 999_999_999_999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Keys that reach prototypes, plus real field names so values land where validation has to look. */
export const FIELD_NAMES = [
  'name',
  'prompt',
  'schedule',
  'cron',
  'every',
  'at',
  'text',
  'timezone',
  'enabled',
  'tools',
  'maxAttempts',
  'misfire',
  'policy',
  'graceSeconds',
  'overlap',
  'startAt',
  'endAt',
  'pauseAfterFailures',
  'model',
  'webhookUrl',
  'webhookSecret',
  'monthlyTokenBudget',
  'dryRun',
  'isAdmin',
  'now',
  'id',
  'userId',
  'after',
  'waitSeconds',
];
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', '\u0000', 'a.b', '$where', 'toString', 'valueOf', ...FIELD_NAMES),
  fc.string({ maxLength: 12 }),
);

/** Arbitrary JSON-ish values, hostile at every level, nested a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    rangeValue,
    hostileString,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Deeply nested and very wide structures, as raw JSON text (built once; they are big). */
const DEEP_ARRAY = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DEEP_OBJECT = `${'{"schedule":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
const WIDE_ARRAY = `{"tools":[${Array.from({ length: 100_000 }, () => '"notify"').join(',')}]}`;
const MANY_KEYS = `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;

/** Raw bodies JSON.parse or UTF-8 decoding have trouble with. */
export const hostileRawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"n":"<invalid>"}
    Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), // overlong '/'
    Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // encoded surrogate
    Buffer.from('{"name":"a\u0000b","prompt":"\u0000"}'),
    Buffer.from('{"name":"nul\\u0000escaped","schedule":{"cron":"0 9 * * *"}}'),
    Buffer.from('\u0000'),
    Buffer.from('\uFEFF{"name":"bom"}'),
    Buffer.from('{"name": "x", "name": "y"}'),
    Buffer.from('{"__proto__": {"isAdmin": true}, "name": "p"}'),
    Buffer.from('{"constructor": {"prototype": {"polluted": true}}}'),
    Buffer.from('{"maxAttempts": 1e999999}'),
    Buffer.from('{"maxAttempts": -1e-999999}'),
    Buffer.from('{"maxAttempts": 123456789012345678901234567890}'),
    Buffer.from('{"schedule": {"every": 1e308}}'),
    Buffer.from('{"schedule": {"every": -0}}'),
    Buffer.from('{'),
    Buffer.from('{"a":'),
    Buffer.from('[]'),
    Buffer.from('null'),
    Buffer.from('"just a string"'),
    Buffer.from('12345'),
    Buffer.from('true'),
    Buffer.from('{"a":1}{"b":2}'),
    Buffer.from("{'single': 'quotes'}"),
    Buffer.from('{"a":NaN}'),
    Buffer.from(DEEP_ARRAY),
    Buffer.from(DEEP_OBJECT),
    Buffer.from(WIDE_ARRAY),
    Buffer.from(MANY_KEYS),
    Buffer.alloc(2 * 1024 * 1024, 0x61), // over BODY_LIMIT_BYTES
  ),
  fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
  hostileValue.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
);

export const hostileContentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/problem+json',
  'application/merge-patch+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/',
  'garbage',
  'application/json, text/plain',
);

/** Percent-encodes a string byte by byte (lone surrogates become U+FFFD; encodeURIComponent would throw). */
export function pctEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A path parameter: valid-looking ids, overflowing ids, encodings and traversal, percent-encoded. */
export function hostileId(valid: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: fc.constantFrom('0', '-1', '1.5', '1e3', '00001', '%00', '%2e%2e%2f', '..%2F..%2Fetc', '%ZZ', '%E0%A4%A', '%F0%9F%99%82', '%C3%28', ' ', '%20', 'null', 'undefined', '__proto__') },
    { weight: 2, arbitrary: fc.constantFrom(...RANGE_IDS) },
    { weight: 2, arbitrary: hostileString.map((s) => pctEncode(s.slice(0, 2000))) },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
}

/** A cursor or id query value at the bigint edges, bare or in the `service:id` form of /api/jobs. */
export const rangeCursor: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', 'tasks:', 'system:', 'tasks%3A'), fc.constantFrom(...RANGE_IDS))
  .map(([prefix, id]) => `${prefix}${encodeURIComponent(id)}`);

/** A raw query string (without "?"): known keys with hostile values, unknown keys, repeats, bad encodings. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'enabled', 'status', 'unread', 'detach', 'service', 'lastEventId', '__proto__', 'constructor', 'limit[]', 'a[b]'),
        fc.string({ maxLength: 8 }).map(pctEncode),
      ),
      fc.oneof(
        fc.constantFrom('', '-1', '0', '1', '201', '1e9', '0.5', 'NaN', 'true', 'false', 'TRUE', 'running', 'queued', 'tasks', 'system', "1' or '1'='1", '%00', '%ZZ', '%', '%E0%A4%A'),
        rangeCursor,
        hostileString.map((s) => pctEncode(s.slice(0, 3000))),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

/** Extra headers that should never matter beyond a 4xx. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'idempotency-key': fc.oneof(fc.constantFrom('', ' ', 'k', 'x'.repeat(300), 'ключ', 'a\tb', "'; drop table idempotency_keys; --"), fc.string({ maxLength: 40 })),
    'x-request-id': fc.oneof(fc.constantFrom('', 'x'.repeat(500), '../../', '<script>'), fc.string({ maxLength: 40 })),
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'x'),
    'last-event-id': fc.oneof(fc.constantFrom(...RANGE_IDS, '', 'abc', '1e3'), fc.string({ maxLength: 24 })),
  },
  { requiredKeys: [] },
);
