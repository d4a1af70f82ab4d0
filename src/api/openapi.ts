import { z } from 'zod';
import type { RouteDef } from './route.ts';
import { RunWebhookBody } from './schemas.ts';

const problem = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function queryParameters(schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, sch]) => ({
    name,
    in: 'query',
    required: s.required?.includes(name) ?? false,
    schema: sch,
  }));
}

/** The OpenAPI 3.0 document, generated from the zod schemas the routes validate with. */
export function buildOpenApi(routes: RouteDef[], info: { version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const headers = Object.entries(r.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } }));
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(r.responses)) {
      const contentType = doc.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
      responses[status] = {
        description: doc.description,
        ...(doc.schema ? { content: { [contentType]: { schema: jsonSchema(doc.schema, 'output') } } } : {}),
        ...(!doc.schema && Number(status) >= 400 ? { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } : {}),
      };
    }
    if (r.rateLimit && !responses['429']) {
      responses['429'] = {
        description: 'rate limit reached; Retry-After says in how many seconds to retry',
        headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.access !== 'public' ? { security: [{ bearer: [] }] } : {}),
      parameters: [...params, ...queryParameters(r.query), ...headers],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'tickler', version: info.version, description: 'Natural-language task scheduler: the HTTP API.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key, or ADMIN_TOKEN for admin routes' } },
      // OpenAPI 3.0 has no `webhooks` section: the run webhook's body is documented as a schema.
      schemas: { Problem: problem, RunWebhook: jsonSchema(RunWebhookBody, 'output') },
    },
    paths,
  };
}
