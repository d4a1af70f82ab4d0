// The web UI's files, served by the app itself: no build step and no CDN. The browser code is
// TypeScript under src/web, stripped to JavaScript on first request with Node's own type stripper
// (the same erasable-syntax rules as the server, so `tsc --noEmit` checks it), then kept in memory
// with an ETag. The page is at `/`, its files under `/ui/`.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Next } from 'koa';

export const WEB_DIR = fileURLToPath(new URL('../web', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The page loads only its own files and talks only to its own origin.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  mtimeMs: number;
}

/**
 * Koa middleware for the UI; mount it after the API routes. Only files that exist under `dir`
 * with a known extension are served (the list is read once: no path from a request reaches the
 * file system), anything under /api/ is left to the API's 404.
 */
export function webUi(opts: { dir?: string } = {}) {
  const dir = opts.dir ?? WEB_DIR;
  const cache = new Map<string, Asset>();
  let files: Promise<Set<string>> | null = null;
  const list = async () => {
    const names = await readdir(dir, { recursive: true });
    return new Set(names.map((n) => n.split('\\').join('/')).filter((n) => TYPES[extname(n)] !== undefined));
  };

  async function load(name: string): Promise<Asset> {
    const path = join(dir, name);
    const { mtimeMs } = await stat(path);
    const cached = cache.get(name);
    // Re-read after an edit (npm run dev), otherwise serve from memory.
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    const raw = await readFile(path, 'utf8');
    const ext = extname(name);
    const text = ext === '.ts' ? stripTypeScriptTypes(raw, { mode: 'strip' }) : raw;
    const body = Buffer.from(text, 'utf8');
    const asset = { body, type: TYPES[ext] as string, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, mtimeMs };
    cache.set(name, asset);
    return asset;
  }

  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.body != null || ctx.path.startsWith('/api/')) return next();
    const name = ctx.path === '/' || ctx.path === '/index.html' ? 'index.html' : ctx.path.startsWith('/ui/') ? ctx.path.slice(4) : null;
    files ??= list();
    if (name === null || !(await files).has(name)) return next();
    const asset = await load(name);
    ctx.set('ETag', asset.etag);
    // Always revalidate: a deploy must reach the next page load; an unchanged file costs a 304.
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (name === 'index.html') {
      ctx.set('Content-Security-Policy', CSP);
      ctx.set('Referrer-Policy', 'no-referrer');
    }
    ctx.type = asset.type;
    if (ctx.get('if-none-match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.status = 200;
    ctx.body = asset.body;
  };
}
