import { z } from 'zod';
import { guardedFetch, type HttpRequest, previewRequest } from '../http/client.ts';
import { htmlToTextAsync } from '../http/html.ts';
import { truncate } from '../text.ts';
import { atMost, defineTool } from './types.ts';

/** What the model reads of a page (the 1 MB body cap applies before this). */
export const FETCH_TEXT_CHARS = 15_000;

const Args = z.object({
  url: z.string().refine(...atMost(2000)).describe('an absolute http:// or https:// URL'),
  method: z.enum(['GET', 'POST']).describe('GET to read; POST to submit'),
  body: z.string().refine(...atMost(100_000)).nullable().describe('the request body for POST (e.g. JSON text), else null'),
  contentType: z.string().refine(...atMost(100)).nullable().describe('the body\'s media type, e.g. "application/json", else null'),
});
type Args = z.infer<typeof Args>;

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType);
  return m?.[1]?.toLowerCase() ?? 'utf-8';
}

/** The body as text in the charset its Content-Type names (UTF-8 when none or unknown). */
export function decodeBody(body: Buffer, contentType: string): string {
  try {
    return new TextDecoder(charsetOf(contentType)).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

const textual = (type: string) => type === '' || /^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(type);

/** The request a call makes; a dry run previews the very same one. */
function requestOf(args: Args, signal?: AbortSignal): HttpRequest {
  return {
    url: args.url,
    method: args.method,
    ...(args.method === 'POST' && args.body !== null ? { body: args.body, headers: { 'content-type': args.contentType ?? 'text/plain; charset=utf-8' } } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** Fetches a public URL and returns its readable text; internal addresses are refused. */
export const httpFetchTool = defineTool({
  name: 'http_fetch',
  description:
    'Fetch a public web page or API over HTTP(S) and read it: HTML comes back as readable text, JSON and text as they are (cut to about 15,000 characters). Private and internal addresses are refused.',
  parameters: Args,
  // A dry run sends nothing at all, GETs included: a GET can act too (an unsubscribe link, a
  // one-time token, a tracking pixel) and even its DNS lookup tells someone the task ran.
  sideEffect: () => true,
  dryRun: (args, ctx) => ({ dryRun: true, note: 'dry run: nothing was fetched', wouldFetch: previewRequest(requestOf(args), ctx.env.http) }),
  async run(args, ctx) {
    const res = await guardedFetch(requestOf(args, ctx.signal), ctx.env.http);
    const contentType = String(res.headers['content-type'] ?? '');
    const head = { status: res.status, url: res.url, contentType: contentType || null, truncated: res.truncated };
    if (!textual(contentType)) return { ...head, text: `[${res.body.length} bytes of ${contentType} not shown]` };
    const raw = decodeBody(res.body, contentType);
    if (/html/i.test(contentType) || /^\s*<(!doctype html|html)/i.test(raw)) {
      // Only as much of the page is read as the model is shown.
      const page = await htmlToTextAsync(raw, { maxChars: FETCH_TEXT_CHARS });
      return { ...head, text: page.cut ? `${page.text}… [the rest of the page not shown]` : page.text };
    }
    return { ...head, text: truncate(raw, FETCH_TEXT_CHARS) };
  },
});
