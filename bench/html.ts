// Throughput of htmlToText (and the entity decoder) on hostile and ordinary pages of 1 MB, the
// http_fetch body cap: MB/s, best of `--rounds` runs after a warm-up, plus the longest event-loop
// turn of htmlToTextAsync (what a page costs every other tenant).
//   node bench/html.ts [--rounds 7] [--before path/to/old-html.ts]
// `--before` measures another implementation of the same exports beside it (e.g. an earlier commit's
// file: `git show 1e230cf:src/runner/http/html.ts > /tmp/html-before.ts`).
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import * as current from '../src/runner/http/html.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, before: { type: 'string' } } });
const rounds = Math.max(1, Number(values.rounds));
const MB = 1024 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

// An ordinary page: an article with head, scripts, navigation, paragraphs, links and entities.
const article = (() => {
  const head = '<!doctype html><html><head><title>News &amp; notes</title><style>body{font:16px sans-serif}</style><script>var x = "<p>not text</p>";</script></head><body><nav><ul><li><a href="/">Home</a></li><li><a href="https://example.com/about">About</a></li></ul></nav><main>';
  const para = '<h2>A heading</h2><p>Some <b>bold</b> and <i>italic</i> text with a <a href="https://example.com/x?a=1&amp;b=2">link</a>, an entity &mdash; and more words to make a line of ordinary length.</p>\n  <div class="c"><span>Nested</span> <em>inline</em> content &#8230;</div>\n';
  return fill(head + para.repeat(2000)).slice(0, MB);
})();

const PAGES: Record<string, string> = {
  'ordinary article': article,
  'plain text, no markup': fill('The quick brown fox jumps over the lazy dog. '),
  'hostile: "<a" repeated, no ">"': fill('<a'),
  'hostile: stray "<" then one ">"': `${fill('< ').slice(0, MB - 1)}>`,
  'hostile: unclosed comments': fill('<!--'),
  'hostile: unclosed scripts': fill('<script>'),
  'hostile: entity flood': fill('&amp;&#x1F600;&bogus;&'),
  'hostile: nested blocks': `${'<div><li>'.repeat(MB / 20)}x${'</li></div>'.repeat(MB / 20)}`,
};

type Impl = { htmlToText(html: string): string; decodeEntities?(text: string): string; htmlToTextAsync?: typeof current.htmlToTextAsync };

function mbPerSecond(fn: () => void, bytes: number): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
    // A quadratic implementation takes seconds a call: do not repeat it `rounds` times.
    if (best > 2000) break;
  }
  return bytes / MB / (best / 1000);
}

async function longestTurn(html: string): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 0);
  await current.htmlToTextAsync(html);
  clearInterval(timer);
  return Math.max(worst, performance.now() - last);
}

const impls: [string, Impl][] = [['htmlToText', current]];
if (values.before) impls.push(['before', (await import(pathToFileURL(resolve(values.before)).href)) as Impl]);

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1)).padStart(8);
console.log(`page (1 MB)${' '.repeat(26)}${impls.map(([n]) => n.padStart(12)).join('')}  decodeEntities  async: longest turn`);
for (const [name, html] of Object.entries(PAGES)) {
  const cols = impls.map(([, impl]) => `${fmt(mbPerSecond(() => impl.htmlToText(html), html.length))} MB/s`);
  const decode = `${fmt(mbPerSecond(() => current.decodeEntities(html), html.length))} MB/s`;
  console.log(`${name.padEnd(37)}${cols.join('')}  ${decode}      ${(await longestTurn(html)).toFixed(1).padStart(6)} ms`);
}
