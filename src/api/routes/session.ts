import { TOOL_NAMES } from '../../runner/tools/names.ts';
import { findUser } from '../../store/users.ts';
import type { Principal } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { SessionOut } from '../schemas.ts';
import { em } from './tasks.ts';

/** What the web page needs before anything else: whether to ask for a key, and who is signed in. */
export function sessionRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/session',
      tag: 'users',
      summary: 'The auth mode, the signed-in user (null without a key in apikey mode) and the tools tasks may use',
      access: 'public',
      responses: { 200: { description: 'the session', schema: SessionOut }, 401: { description: 'an unknown or revoked key' } },
      async handler(ctx) {
        const principal = ctx.state.principal as Principal | undefined;
        const user = principal ? await findUser(em(ctx), principal.userId) : null;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = {
          authMode: deps.config.authMode,
          user: user ? { id: user.id, name: user.name, isAdmin: user.isAdmin } : null,
          tools: [...TOOL_NAMES],
          llmConfigured: deps.config.openai.apiKey !== undefined || deps.config.openai.baseURL !== undefined,
        };
      },
    }),
  ];
}
