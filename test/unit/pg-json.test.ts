import { describe, expect, it } from 'vitest';
import { pgJson } from '../../src/runner/text.ts';

describe('pgJson', () => {
  it('is JSON.stringify when nothing holds a NUL', () => {
    const v = { a: 'text', b: [1, 'two', { c: null }], d: 'ünïcødé ✓' };
    expect(pgJson(v)).toBe(JSON.stringify(v));
  });

  it('replaces NUL characters at any depth with U+FFFD', () => {
    const out = JSON.parse(pgJson({ a: 'x\u0000y', b: [{ c: '\u0000' }] }));
    expect(out).toEqual({ a: 'x\ufffdy', b: [{ c: '\ufffd' }] });
  });

  it('keeps a literal backslash-u0000 (six characters) as it is', () => {
    const v = { code: 'printf("\\u0000")' };
    expect(JSON.parse(pgJson(v))).toEqual(v);
  });
});
