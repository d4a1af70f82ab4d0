import type { Context } from 'koa';
import { AppError, ValidationError } from '../errors.ts';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body (undefined when the request had none). */
    json?: unknown;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The dotted path of the first string or key holding U+0000, or null. PostgreSQL text and jsonb cannot
 * store it, so it would otherwise surface as a 500 from the database. Iterative: bodies may nest deeply.
 */
function nulPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, path] = item;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path || '(body)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, i)]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return join(path, k.replaceAll('\u0000', '\\u0000'));
        stack.push([x, join(path, k)]);
      }
    }
  }
  return null;
}

/** Containers (objects and arrays) a request body may nest; every real request needs fewer than 5. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests more than `max` containers, by one linear pass over the raw text that counts
 * brackets outside strings. Runs before JSON.parse, so a body of 100,000 `[` costs one scan and no
 * parse, and nothing downstream (validation, the NUL check) meets a deep value. Malformed text is
 * left to JSON.parse.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes ("\"", "\\").
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Reads and parses a request's JSON body into `ctx.request.json`, with a hard size limit. Malformed
 * JSON is a 400, an oversized body a 413, a body of another media type a 415, one nested deeper than
 * MAX_JSON_DEPTH a 422, so a handler only ever sees parsed JSON. Called by the route after its access
 * check: a request without credentials is answered before its body is read.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<void> {
  if (BODYLESS.has(ctx.method)) return;
  const length = Number(ctx.get('content-length') || 0);
  if (length > limitBytes) throw new AppError(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      ctx.req.resume();
      throw new AppError(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return;
  if (!ctx.is('application/json', 'application/*+json')) {
    throw new AppError(415, 'unsupported_media_type', 'request bodies must be JSON (Content-Type: application/json)');
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new AppError(400, 'malformed_json', 'request body is not valid UTF-8');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
    throw new AppError(422, 'nesting_too_deep', `(body): ${message}`, { errors: [{ path: '(body)', message }] });
  }
  try {
    ctx.request.json = JSON.parse(text);
  } catch (err) {
    throw new AppError(400, 'malformed_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
  // Only an escaped "\u0000" can put a NUL into parsed JSON (a raw one is a JSON syntax error).
  const nul = text.includes('\\u0000') ? nulPath(ctx.request.json) : null;
  if (nul !== null) throw new ValidationError(`${nul}: must not contain NUL characters (\\u0000)`, [{ path: nul, message: 'must not contain NUL characters (\\u0000)' }]);
}
