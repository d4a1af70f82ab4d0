import { createUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { CreateUserSchema } from '../schemas.ts';
import { z } from 'zod';

export function userRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/users',
      tag: 'users',
      summary: 'Create a user and its first API key (shown once). Needs Authorization: Bearer $ADMIN_TOKEN',
      access: 'admin',
      body: CreateUserSchema,
      responses: {
        201: { description: 'the user and its API key', schema: z.object({ id: z.string(), name: z.string(), apiKey: z.string() }) },
        401: { description: 'no admin token' },
      },
      async handler(ctx, { body }) {
        ctx.status = 201;
        ctx.body = await createUser(deps.db.pool, body.name, body.isAdmin ?? false);
      },
    }),
  ];
}
