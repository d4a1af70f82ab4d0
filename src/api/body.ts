import type { Context, Next } from 'koa';
import { AppError } from '../errors.ts';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body (undefined when the request had none). */
    json?: unknown;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
    return next();
  };
}
