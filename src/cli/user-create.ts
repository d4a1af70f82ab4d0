// `npm run user:create -- --name NAME [--admin]`: creates a user and prints its API key (shown once).
import { parseArgs } from 'node:util';
import { createUser } from '../api/auth.ts';
import { CreateUserSchema } from '../api/schemas.ts';
import { loadConfig } from '../config.ts';
import { openInfra } from '../infra.ts';
import { createLogger } from '../log.ts';

const { values } = parseArgs({ options: { name: { type: 'string' }, admin: { type: 'boolean', default: false } } });
if (!values.name?.trim()) {
  process.stderr.write('usage: npm run user:create -- --name NAME [--admin]\n');
  process.exit(2);
}
// The rules of POST /api/users: no bidi controls, no unpaired surrogates.
const checked = CreateUserSchema.shape.name.safeParse(values.name);
if (!checked.success) {
  process.stderr.write(`--name: ${checked.error.issues.map((i) => i.message).join('; ')}\n`);
  process.exit(2);
}
const config = loadConfig();
const infra = await openInfra(config, createLogger('warn'));
try {
  const user = await createUser(infra.db.pool, checked.data, values.admin);
  process.stdout.write(`${JSON.stringify(user, null, 2)}\nKeep the apiKey: it is not shown again.\n`);
} finally {
  await infra.close();
}
