import { describe, expect, it } from 'vitest';
import { Task } from '../../src/models/task.ts';
import { compileInsert, tableOf } from '../../src/store/columns.ts';

const now = new Date('2030-01-02T03:04:05.678Z');
const cols = tableOf(Task).columns.filter((c) => !c.primary);
const at = (prop: string) => cols.findIndex((c) => c.prop === prop);

describe('compileInsert', () => {
  const many = compileInsert(Task, { returning: 'id' });
  const one = compileInsert(Task, { returning: 'id', one: true });

  it('completes a row with the entity defaults, onCreate stamps, and a fresh copy of an object default', () => {
    const a = many.complete({ userId: '1', name: 'n', timezone: 'UTC' }, now);
    const b = many.complete({ userId: '1', name: 'n', timezone: 'UTC', startAt: '2031-01-01T00:00:00Z' }, now);
    expect(a).toMatchObject({ prompt: '', enabled: true, tools: [], maxAttempts: 3, action: { kind: 'llm' }, createdAt: now, updatedAt: now, startAt: null, kind: 'user' });
    expect(b.startAt).toEqual(new Date('2031-01-01T00:00:00Z'));
    expect(a.action).not.toBe(b.action);
    expect(a.tools).not.toBe(b.tools);
  });

  it('encodes each column as a PostgreSQL array literal, quoting and escaping text, NULL for null', () => {
    const rows = [
      many.complete({ userId: '7', name: 'say "hi" \\ {a,b}', timezone: 'UTC', tools: ['notify'], schedule: { kind: 'cron', cron: '0 9 * * *' } }, now),
      many.complete({ userId: '8', name: 'NULL', timezone: 'UTC', enabled: false, model: null }, now),
    ];
    const p = many.params(rows);
    expect(p).toHaveLength(cols.length);
    expect(p[at('userId')]).toBe('{"7","8"}');
    expect(p[at('name')]).toBe('{"say \\"hi\\" \\\\ {a,b}","NULL"}');
    expect(p[at('enabled')]).toBe('{t,f}');
    expect(p[at('maxAttempts')]).toBe('{3,3}');
    expect(p[at('model')]).toBe('{NULL,NULL}');
    expect(p[at('createdAt')]).toBe('{"2030-01-02T03:04:05.678Z","2030-01-02T03:04:05.678Z"}');
    expect(p[at('schedule')]).toBe('{"{\\"kind\\":\\"cron\\",\\"cron\\":\\"0 9 * * *\\"}",NULL}');
    expect(p[at('tools')]).toBe('{"[\\"notify\\"]","[]"}');
  });

  it('sends one row as scalar parameters, text arrays as array literals', () => {
    const [row] = [one.complete({ userId: '7', name: 'a"b', timezone: 'UTC', tools: ['notify', 'x"y'], maxAttempts: 5 }, now)];
    const p = one.params([row as Record<string, unknown>]);
    expect(p[at('userId')]).toBe('7');
    expect(p[at('name')]).toBe('a"b');
    expect(p[at('maxAttempts')]).toBe(5);
    expect(p[at('enabled')]).toBe(true);
    expect(p[at('action')]).toBe('{"kind":"llm"}');
    expect(p[at('tools')]).toBe('{"notify","x\\"y"}');
    expect(p[at('startAt')]).toBeNull();
    expect(one.text).not.toMatch(/unnest/);
  });
});
