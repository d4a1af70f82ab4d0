import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('config', () => {
  it('has working defaults: loopback, embedded database, local auth', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, databaseUrl: undefined, dataDir: '.data', authMode: 'local' });
    expect(c.limits).toEqual({ maxTasksPerUser: 50, minIntervalSeconds: 300, bodyLimitBytes: 1_048_576 });
    expect(c.scheduler.runnerConcurrency).toBe(500);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('requires API keys by default once the server is reachable or the database is external', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).authMode).toBe('apikey');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/t' }).authMode).toBe('apikey');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/t', AUTH_MODE: 'local' }).authMode).toBe('local');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', OPENAI_API_KEY: '  ' })).toMatchObject({ databaseUrl: undefined, openai: { apiKey: undefined } });
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', AUTH_MODE: 'open', DATABASE_URL: 'mysql://x', ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const paths = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(paths).toEqual(expect.arrayContaining(['PORT', 'AUTH_MODE', 'DATABASE_URL', 'ADMIN_TOKEN', 'LOG_LEVEL']));
    }
  });

  it('heartbeats every 2 s and declares a replica dead after 6 s, configurable, never under two heartbeats', () => {
    expect(loadConfig({}).scheduler).toMatchObject({ heartbeatMs: 2000, replicaDeadMs: 6000 });
    expect(loadConfig({ SCHEDULER_HEARTBEAT_MS: '500', SCHEDULER_REPLICA_DEAD_MS: '1500' }).scheduler).toMatchObject({ heartbeatMs: 500, replicaDeadMs: 1500 });
    expect(() => loadConfig({ SCHEDULER_HEARTBEAT_MS: '3000', SCHEDULER_REPLICA_DEAD_MS: '5000' })).toThrow(/SCHEDULER_REPLICA_DEAD_MS: must be at least twice SCHEDULER_HEARTBEAT_MS \(3000\)/);
    expect(() => loadConfig({ SCHEDULER_HEARTBEAT_MS: 'often' })).toThrow(/SCHEDULER_HEARTBEAT_MS/);
  });
});
