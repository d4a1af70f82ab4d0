// Worst cases for the passes the runner applies to untrusted bytes (fetched pages, model output):
// each must stay linear. Linearity is checked by growth, not by a wall-clock budget: from 128 K to
// 1 M characters a linear pass takes ~8× as long; the quadratic "<a<a…" pass this replaced took 30×
// (native memchr hides the square at small sizes, hence the sizes). A bound of 20× tells them apart
// with room for a loaded 2-core CI machine's noise, where an absolute limit would not.
import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText, htmlToTextAsync } from '../../src/runner/http/html.ts';
import { pgJson, pgText, truncate } from '../../src/runner/text.ts';
import { decodeBody } from '../../src/runner/tools/http-fetch.ts';

/** The least CPU time (ms) of five calls: CPU, not wall time, so other processes' load does not count. */
function timeOf(fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 5; k++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

/** Asserts that `fn` on `unit` repeated grows roughly linearly from 128 K to 1 M characters. */
function expectLinear(unit: string | ((n: number) => string), fn: (s: string) => unknown) {
  const build = typeof unit === 'string' ? (chars: number) => unit.repeat(Math.ceil(chars / unit.length)) : unit;
  const small = build(128 * 1024);
  const large = build(1024 * 1024);
  // Warm the JIT on the same shape, and the heap to the large size (its first growth is not the pass's cost).
  fn(small);
  fn(large);
  const a = timeOf(() => fn(small));
  const b = timeOf(() => fn(large));
  // Plus 10 ms so that sub-millisecond timings are not judged on timer resolution.
  expect(b).toBeLessThan(20 * a + 10);
}

const HOSTILE: Record<string, string | ((chars: number) => string)> = {
  'a "<" with no ">" after it, repeated': '<a',
  'stray "<" before one final ">"': (chars) => `${'< '.repeat(chars / 2)}>`,
  'declarations never closed': '<!x',
  'comments never closed': '<!--',
  'scripts never closed': '<script>',
  'closing tags with no name': '</',
  'one huge tag': (chars) => `<a ${'href '.repeat(chars / 5)}>x</a>`,
  'links with unterminated quotes': '<a href="x>y',
  'entity floods': '&amp;&#x1F600;&bogus;&',
  'whitespace and newline floods': ' \n \t\n',
  'nested blocks': (chars) => `${'<div><li>'.repeat(chars / 20)}x${'</li></div>'.repeat(chars / 20)}`,
};

describe('htmlToText on hostile pages', () => {
  for (const [name, build] of Object.entries(HOSTILE)) {
    it(`stays linear: ${name}`, () => expectLinear(build, htmlToText));
  }

  it('reads a 1 MB page of "<a<a<a…" as text in well under a second (was ~2.8 s)', () => {
    const page = '<a'.repeat(512 * 1024);
    const t0 = performance.now();
    const text = htmlToText(page);
    // Generous: the linear pass takes a few ms; the quadratic one took seconds.
    expect(performance.now() - t0).toBeLessThan(500);
    expect(text).toBe(page);
  });

  it('treats everything after a "<" with no ">" as text, and markup before it as markup', () => {
    expect(htmlToText('<p>one</p><b>two</b> 3 <a<b never')).toBe('one\ntwo 3 <a<b never');
    expect(htmlToText('<!doctype html><p>x</p><!unclosed')).toBe('x\n<!unclosed');
  });
});

describe('the other passes over untrusted text', () => {
  it('decodes entities linearly', () => expectLinear('&#x1F600;&amp;&#99999999;&', decodeEntities));

  it('truncates in one slice and never splits a surrogate pair', () => {
    expectLinear('😀', (s) => truncate(s, s.length - 3));
    const cut = truncate('ab😀cd', 3);
    expect(cut.startsWith('ab…')).toBe(true);
    expect(cut.isWellFormed()).toBe(true);
  });

  it('decodes a body linearly, whatever its Content-Type says', () => {
    // The header is the server's: a long run of "charset" and spaces must not make its regex backtrack.
    expectLinear((n) => `text/html; ${'charset '.repeat(n / 8)}`, (type) => decodeBody(Buffer.from('ok'), type));
    expectLinear('é\uFFFD\x80', (s) => decodeBody(Buffer.from(s, 'latin1'), 'text/plain; charset=utf-8'));
    expect(decodeBody(Buffer.from([0xe9]), 'text/plain; charset="ISO-8859-1"')).toBe('é');
    expect(decodeBody(Buffer.from('ok'), 'text/plain; charset=no-such-thing')).toBe('ok');
  });

  it('makes text PostgreSQL can store: no NUL, no lone surrogate, linearly', () => {
    expect(pgText('a\u0000b\ud800c')).toBe('a\ufffdb\ufffdc');
    expect(pgText('ok 😀')).toBe('ok 😀');
    expectLinear('x\u0000\ud800', pgText);
  });

  it('serialises JSON for jsonb without NUL or lone surrogates, linearly', () => {
    expect(JSON.parse(pgJson({ a: 'x\ud83d', b: ['\udc00\u0000'], c: '😀' }))).toEqual({ a: 'x\ufffd', b: ['\ufffd\ufffd'], c: '😀' });
    expectLinear('\ud800', (s) => pgJson({ s }));
  });
});

describe('htmlToTextAsync', () => {
  it('reads what htmlToText reads', async () => {
    const page = `<h1>T</h1>${'<p>x &amp; y</p>'.repeat(5000)}<a<b`;
    expect((await htmlToTextAsync(page, { sliceMs: 0 })).text).toBe(htmlToText(page));
  });

  it('gives the event loop back while it converts a large page', async () => {
    const page = '<div><li>x</li></div>'.repeat(60_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await htmlToTextAsync(page, { sliceMs: 0 });
    } finally {
      clearInterval(timer);
    }
    // With a slice of 0 ms it pauses every 2,048 steps (tags, references, whitespace runs).
    expect(ticks).toBeGreaterThan(10);
  });
});
