// HTML to readable text without a parser dependency: one linear pass over the markup (indexOf and
// sticky regexes only, so a hostile page cannot make it quadratic), dropping scripts and styles,
// breaking lines at block elements, keeping link targets, decoding entities.

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'canvas']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'form',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'td',
  'th', 'title', 'tr', 'ul',
]);

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', lsquo: '‘',
  rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', bull: '•', middot: '·', copy: '©', reg: '®',
  trade: '™', euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°', times: '×', divide: '÷', para: '¶', sect: '§',
  eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', aacute: 'á', acirc: 'â', ccedil: 'ç', iacute: 'í', oacute: 'ó',
  uacute: 'ú', ntilde: 'ñ', auml: 'ä', ouml: 'ö', uuml: 'ü', szlig: 'ß', Eacute: 'É', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü',
};

// Steps (tags, references, whitespace runs) between the pauses of htmlToTextAsync: well under a
// millisecond of work, so checking the clock costs nothing.
const PAUSE_EVERY = 2048;

// The longest reference read: "&#x10FFFF;" and the longest name kept ("&hellip;") both fit.
const MAX_REF = 10;

function refValue(ref: string): string | null {
  if (ref.charCodeAt(0) === 35 /* # */) {
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const digits = ref.slice(hex ? 2 : 1);
    if (digits.length === 0 || digits.length > (hex ? 6 : 7) || !(hex ? /^[0-9a-f]+$/i : /^[0-9]+$/).test(digits)) return null;
    const code = Number.parseInt(digits, hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
  }
  if (ref.length < 2 || ref.length > 8 || !/^[a-z]+$/i.test(ref)) return null;
  return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? null;
}

/**
 * Decodes named (common ones) and numeric character references. One pass by indexOf that copies
 * the text between references in slices: a regex replace with a callback per match cost ~150 ns a
 * character on a page made of references.
 */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let parts = '';
  let copied = 0;
  // The first ";" after the current "&", remembered like htmlToText's ">" so that many "&"s before
  // one far ";" do not each search to it.
  let semi = text.indexOf(';', amp + 1);
  while (amp >= 0) {
    if (semi >= 0 && semi <= amp) semi = text.indexOf(';', amp + 1);
    // A ";" further than any reference could reach ends nothing here; later "&"s are looked at anyway.
    if (semi < 0) break;
    if (semi - amp <= MAX_REF) {
      const value = refValue(text.slice(amp + 1, semi));
      if (value !== null) {
        parts += text.slice(copied, amp) + value;
        copied = semi + 1;
        amp = text.indexOf('&', copied);
        continue;
      }
    }
    amp = text.indexOf('&', amp + 1);
  }
  parts += text.slice(copied);
  return parts;
}

const TAG_NAME = /\/?\s*([a-zA-Z][a-zA-Z0-9-]*)/y;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;

function closingTag(html: string, name: string, from: number): number {
  const re = new RegExp(`</${name}\\b`, 'gi');
  re.lastIndex = from;
  return re.exec(html)?.index ?? -1;
}


/** Runs a pausable pass to its end at once. */
function drive<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Readable text of an HTML document: no markup, no scripts, whitespace collapsed. */
export function htmlToText(html: string): string {
  return drive(convert(html, Number.POSITIVE_INFINITY)).text;
}

export interface PageText {
  text: string;
  /** The text reached `maxChars` and the rest of the page was not read. */
  cut: boolean;
}

/**
 * htmlToText for the runner, which converts pages of up to 1 MB for every tenant on one thread:
 * it gives the event loop back every `sliceMs` of work, and stops reading once it has `maxChars`
 * of text (the model is shown no more). The slice is short because the conversions of parallel
 * fetches all resume in the same turn of the loop: eight of them take 8 × sliceMs before the
 * next request is read.
 */
export async function htmlToTextAsync(html: string, opts: { maxChars?: number; sliceMs?: number } = {}): Promise<PageText> {
  const sliceMs = opts.sliceMs ?? 2;
  const steps = convert(html, opts.maxChars ?? Number.POSITIVE_INFINITY);
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

// A text piece longer than this (a page with no markup, or whose markup ended at a "<" with no
// ">") is decoded and folded in chunks, with a pause between them.
const CHUNK = 16_384;

function* convert(html: string, maxChars: number): Generator<void, PageText> {
  const sink = new TextSink(maxChars);
  // Pieces of text between tags are short: added at once, with no generator per piece.
  const addText = (from: number, to: number): boolean => {
    if (to - from > CHUNK) return false;
    if (to > from) sink.add(decodeEntities(html.slice(from, to)));
    return true;
  };
  const addLongText = function* (from: number, to: number): Generator<void, void> {
    for (let s = from; s < to && !sink.full; ) {
      let e = Math.min(to, s + CHUNK);
      // A reference is never split between chunks: cut before an "&" in the chunk's last few characters.
      for (let k = e - 1; e < to && k > e - MAX_REF - 1 && k > s; k--) {
        if (html.charCodeAt(k) === 38 /* & */) {
          e = k;
          break;
        }
      }
      sink.add(decodeEntities(html.slice(s, e)));
      s = e;
      yield;
    }
  };
  let tags = 0;
  let href: string | null = null;
  let i = 0;
  // The first ">" at or after the current "<", remembered across iterations: "<" positions only
  // grow, so each search starts past the last one's answer and the whole page is scanned for ">"
  // once. (Searching again from every "<" made "<a<a<a…" with no ">" quadratic: 1 MB took ~2.8 s.)
  // -1 means none is left: every later "<" is text.
  let nextGt = html.indexOf('>');
  const gtFrom = (lt: number): number => {
    if (nextGt >= 0 && nextGt < lt) nextGt = html.indexOf('>', lt);
    return nextGt;
  };
  // Text runs from `text` up to the next markup; a stray "<" stays inside the run, so a page of
  // them is copied as one slice rather than a piece per character.
  let text = 0;
  while (!sink.full) {
    if (++tags % PAUSE_EVERY === 0) yield;
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const gt = gtFrom(lt);
    // No ">" anywhere after this "<": it opens no markup, and neither does any later one.
    if (gt < 0) break;
    if (html.startsWith('<!--', lt)) {
      if (!addText(text, lt)) yield* addLongText(text, lt);
      const end = html.indexOf('-->', lt + 4);
      i = text = end < 0 ? html.length : end + 3;
      continue;
    }
    TAG_NAME.lastIndex = lt + 1;
    const m = TAG_NAME.exec(html);
    if (!m) {
      // A stray "<" is text; a doctype or processing instruction is skipped whole.
      if (html[lt + 1] === '!' || html[lt + 1] === '?') {
        if (!addText(text, lt)) yield* addLongText(text, lt);
        i = text = gt + 1;
      } else {
        i = lt + 1;
      }
      continue;
    }
    if (!addText(text, lt)) yield* addLongText(text, lt);
    const name = (m[1] as string).toLowerCase();
    const closing = html[lt + 1] === '/';
    i = text = gt + 1;
    if (!closing && SKIP.has(name)) {
      const end = closingTag(html, name, i);
      i = text = end < 0 ? html.length : html.indexOf('>', end) + 1 || html.length;
      continue;
    }
    // Items start a line of their own; their end needs no second break.
    if (name === 'li') {
      if (!closing) sink.add('\n- ');
    } else if (BLOCK.has(name)) sink.add('\n');
    if (name === 'a') {
      if (!closing) {
        const h = HREF.exec(html.slice(lt, gt));
        const target = h ? decodeEntities(h[1] ?? h[2] ?? h[3] ?? '') : '';
        href = /^https?:\/\//i.test(target) ? target : null;
      } else if (href) {
        sink.add(` (${href})`);
        href = null;
      }
    }
  }
  if (!sink.full && !addText(text, html.length)) yield* addLongText(text, html.length);
  return { text: sink.out.trim(), cut: sink.full };
}

// Where a run of words ends: any space-like character but a single plain space between two words.
const WORDS_END = /[\t\n\v\f\r\u00a0]| (?=[\t\n\v\f\r \u00a0]|$)/g;

// Space-like characters that fold to one space (a newline is kept apart: it separates blocks).
const isSpace = (c: number) => c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || c === 0xa0;

/**
 * Readable text as it is produced, piece by piece: each run of spaces and newlines (across pieces)
 * becomes one space, or — when it holds newlines — one or two of them (a paragraph break at most);
 * none at the start or the end. Whole runs of words are copied as slices. Folding as the pieces
 * come replaces a chain of regex passes over the joined page, which allocated a string per match
 * and then held the whole page's text at once.
 */
class TextSink {
  out = '';
  private newlines = 0;
  private space = false;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get full(): boolean {
    return this.out.length >= this.max;
  }

  add(text: string): void {
    let i = 0;
    while (i < text.length && !this.full) {
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) this.newlines++;
        else if (isSpace(c)) this.space = true;
        else break;
      }
      if (i >= text.length) return;
      // Words and the single plain spaces between them go out as one slice; its end is found by a
      // native scan (a loop over characters here cost ~15 ns each).
      WORDS_END.lastIndex = i + 1;
      const j = WORDS_END.exec(text)?.index ?? text.length;
      if (this.out.length > 0 && (this.newlines > 0 || this.space)) this.out += this.newlines > 1 ? '\n\n' : this.newlines === 1 ? '\n' : ' ';
      this.newlines = 0;
      this.space = false;
      this.out += j - i > this.max - this.out.length ? text.slice(i, i + (this.max - this.out.length)) : text.slice(i, j);
      i = j;
    }
  }
}
