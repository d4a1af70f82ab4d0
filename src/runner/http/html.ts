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

/** Decodes named (common ones) and numeric character references. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? whole;
  });
}

const TAG_NAME = /\/?\s*([a-zA-Z][a-zA-Z0-9-]*)/y;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;

function closingTag(html: string, name: string, from: number): number {
  const re = new RegExp(`</${name}\\b`, 'gi');
  re.lastIndex = from;
  return re.exec(html)?.index ?? -1;
}

/** Readable text of an HTML document: no markup, no scripts, whitespace collapsed. */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let href: string | null = null;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    TAG_NAME.lastIndex = lt + 1;
    const m = TAG_NAME.exec(html);
    const gt = html.indexOf('>', lt);
    if (!m || gt < 0) {
      // A stray "<" (or a doctype / processing instruction): text, or skip the declaration.
      if (html[lt + 1] === '!' || html[lt + 1] === '?') {
        i = gt < 0 ? html.length : gt + 1;
      } else {
        out.push('<');
        i = lt + 1;
      }
      continue;
    }
    const name = (m[1] as string).toLowerCase();
    const closing = html[lt + 1] === '/';
    i = gt + 1;
    if (!closing && SKIP.has(name)) {
      const end = closingTag(html, name, i);
      i = end < 0 ? html.length : html.indexOf('>', end) + 1 || html.length;
      continue;
    }
    // Items start a line of their own; their end needs no second break.
    if (name === 'li') out.push(closing ? '' : '\n- ');
    else if (BLOCK.has(name)) out.push('\n');
    if (name === 'a') {
      if (!closing) {
        const h = HREF.exec(html.slice(lt, gt));
        const target = h ? decodeEntities(h[1] ?? h[2] ?? h[3] ?? '') : '';
        href = /^https?:\/\//i.test(target) ? target : null;
      } else if (href) {
        out.push(` (${href})`);
        href = null;
      }
    }
  }
  return decodeEntities(out.join(''))
    .replace(/[ \t\f\v\r\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
