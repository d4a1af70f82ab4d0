import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../src/runner/http/html.ts';

describe('htmlToText', () => {
  it('keeps the readable text, drops scripts, styles and comments, breaks lines at blocks', () => {
    const html = `<!doctype html><html><head><title>T</title><style>p{color:red}</style><script>alert("<p>x</p>")</script></head>
      <body><h1>News &amp; views</h1><!-- hidden --><p>First&nbsp;para with <b>bold</b>.</p>
      <ul><li>one</li><li>two</li></ul><SCRIPT type="x">evil()</SCRIPT><p>caf&eacute; &#233; &#x1F600; 1 &lt; 2</p></body></html>`;
    const text = htmlToText(html);
    expect(text).toBe('T\n\nNews & views\n\nFirst para with bold.\n\n- one\n- two\n\ncafé é 😀 1 < 2');
    expect(text).not.toContain('alert');
    expect(text).not.toContain('evil');
    expect(text).not.toContain('color');
  });

  it('keeps absolute link targets', () => {
    expect(htmlToText('<a href="https://example.com/a?x=1&amp;y=2">story</a> <a href="/rel">rel</a>')).toBe('story (https://example.com/a?x=1&y=2) rel');
  });

  it('survives broken markup and stays linear on hostile input', () => {
    expect(htmlToText('a < b and <p unclosed')).toBe('a < b and <p unclosed');
    expect(htmlToText('<script>never closed <p>x</p>')).toBe('');
    const hostile = '<script>'.repeat(50_000) + '<!--'.repeat(50_000);
    const t0 = performance.now();
    htmlToText(hostile);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('decodes numeric and common named entities, leaving unknown ones', () => {
    expect(decodeEntities('&quot;hi&quot; &mdash; &#39;x&#39; &bogus; &#0;')).toBe('"hi" — \'x\' &bogus; ');
  });
});
