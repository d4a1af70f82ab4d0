import type { Context, Next } from 'koa';
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

/**
 * Reads and parses a JSON body with a hard size limit. Malformed JSON is a 400, an oversized body a
 * 413, a body of another media type a 415, so a handler only ever sees parsed JSON.
 */
export function jsonBody(limitBytes: number) {
  return async (ctx: Context, next: Next) => {
    const method = ctx.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
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
    if (size === 0) return next();
    if (!ctx.is('application/json', 'application/*+json')) {
      throw new AppError(415, 'unsupported_media_type', 'request bodies must be JSON (Content-Type: application/json)');
    }
    let text: string;
    try {
      text = utf8.decode(Buffer.concat(chunks, size));
    } catch {
      throw new AppError(400, 'malformed_json', 'request body is not valid UTF-8');
    }
    try {
      ctx.request.json = JSON.parse(text);
    } catch (err) {
      throw new AppError(400, 'malformed_json', `request body is not valid JSON: ${(err as Error).message}`);
    }
    // Only an escaped "\u0000" can put a NUL into parsed JSON (a raw one is a JSON syntax error).
    const nul = text.includes('\\u0000') ? nulPath(ctx.request.json) : null;
    if (nul !== null) throw new ValidationError(`${nul}: must not contain NUL characters (\\u0000)`, [{ path: nul, message: 'must not contain NUL characters (\\u0000)' }]);
    return next();
  };
}
