import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { requireAdmin, requireAdmins, requireUser, type Principal } from './auth.ts';
import { readJsonBody } from './body.ts';
import type { RateAction, RateLimiter } from './rate-limit.ts';

/** `admin`: ADMIN_TOKEN only; `admins`: ADMIN_TOKEN or the API key of an admin user (the web app's admins). */
export type Access = 'public' | 'user' | 'admin' | 'admins';

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  principal: Principal;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/** One HTTP route: its contract (zod schemas, documented responses) and its handler. */
export interface RouteDef<B = unknown, Q = unknown> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  headers?: Record<string, string>;
  responses: Record<number, ResponseDoc>;
  /** The caller's token bucket this route draws from (a 429 with Retry-After when it is empty). */
  rateLimit?: RateAction;
  handler: (ctx: Context, input: RouteInput<B, Q>) => Promise<void> | void;
}

/** Declares a route with its input types inferred from its schemas. */
export function route<B = undefined, Q = undefined>(def: RouteDef<B, Q>): RouteDef {
  return def as unknown as RouteDef;
}

const NO_PRINCIPAL: Principal = { userId: '', isAdmin: false };

/**
 * Mounts routes on a router. Validation happens here, once, from the same schemas the OpenAPI
 * document is generated from, so the contract and the behaviour cannot drift apart.
 */
export function mountRoutes(router: Router, routes: RouteDef[], opts: { adminConfigured: boolean; bodyLimitBytes: number; limiter?: RateLimiter }): void {
  for (const def of routes) {
    router[def.method](def.path, async (ctx: Context) => {
      let principal = NO_PRINCIPAL;
      if (def.access === 'user') principal = requireUser(ctx);
      if (def.access === 'admin') requireAdmin(ctx, opts.adminConfigured);
      if (def.access === 'admins') principal = requireAdmins(ctx);
      // Before validation: a stream of invalid requests is throttled like any other.
      if (def.rateLimit && principal.userId) opts.limiter?.take(def.rateLimit, principal.userId);
      // Only now: a caller without credentials is refused before its body is read, let alone parsed.
      await readJsonBody(ctx, opts.bodyLimitBytes);
      // parse() throws a ZodError, which the problem middleware turns into a 422 with field paths.
      const body = def.body ? def.body.parse(ctx.request.json ?? {}) : undefined;
      const query = def.query ? def.query.parse(ctx.query) : undefined;
      await def.handler(ctx, { body, query, params: (ctx as unknown as { params: Record<string, string> }).params, principal });
    });
  }
}
