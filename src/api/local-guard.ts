import type { Context, Next } from 'koa';
import { AppError } from '../errors.ts';
import { isLoopbackAuthority, parseAuthority } from '../loopback.ts';

const READS = new Set(['GET', 'HEAD']);

/** Whether an Origin header names the same scheme-less authority as the Host header (default ports filled in). */
function sameOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const h = parseAuthority(host);
  if (!h) return false;
  const fallback = url.protocol === 'https:' ? '443' : '80';
  return url.hostname === h.hostname && (url.port || fallback) === (h.port || fallback);
}

/**
 * Local (keyless) mode answers every request as the admin user, so the only thing standing between a
 * web page and the API is the browser. Two attacks are left to close:
 * - DNS rebinding: a page at evil.example re-points its name to 127.0.0.1 and reads the API as
 *   same-origin; its requests still say `Host: evil.example`, so only loopback Host headers pass.
 * - Cross-site writes: a page cannot read the answer of a cross-origin request, but a "simple"
 *   request (a form post, text/plain) is still sent. Writes must come from the same origin (Origin,
 *   Sec-Fetch-Site) and carry JSON, which a cross-site page cannot send without a CORS preflight
 *   this server never grants.
 */
export function localModeGuard() {
  return async (ctx: Context, next: Next) => {
    const host = ctx.req.headers.host ?? '';
    if (!isLoopbackAuthority(host)) {
      throw new AppError(421, 'misdirected_request', `keyless (local) mode answers only loopback Host headers (127.0.0.1, localhost, [::1]); Host: ${JSON.stringify(host.slice(0, 100))}`);
    }
    if (READS.has(ctx.method)) return next();
    const site = ctx.get('sec-fetch-site');
    // same-site is another origin too (another port of localhost): only same-origin pages may write.
    if (site === 'cross-site' || site === 'same-site') {
      throw new AppError(403, 'cross_site_request', `keyless (local) mode refuses writes from another site (Sec-Fetch-Site: ${site})`);
    }
    const origin = ctx.get('origin');
    if (origin && !sameOrigin(origin, host)) {
      throw new AppError(403, 'cross_site_request', `keyless (local) mode refuses writes from another origin (Origin: ${JSON.stringify(origin.slice(0, 100))})`);
    }
    const hasBody = ctx.req.headers['transfer-encoding'] !== undefined || Number(ctx.req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !ctx.is('application/json', 'application/*+json')) {
      throw new AppError(415, 'unsupported_media_type', 'request bodies must be JSON (Content-Type: application/json)');
    }
    return next();
  };
}
