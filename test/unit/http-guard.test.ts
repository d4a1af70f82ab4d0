import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, HttpRefusedError } from '../../src/runner/http/client.ts';
import { startTestHttpServer, type TestHttpServer, testNet } from '../support/net.ts';

let server: TestHttpServer;

beforeAll(async () => {
  server = await startTestHttpServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/page':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>hello</p>');
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body }));
        return;
      case '/to':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('url') ?? '/' }).end();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(3 * 1024 * 1024, 'a'));
        return;
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync('compressed text'));
        return;
      case '/slow':
        setTimeout(() => res.writeHead(200).end('late'), 2_000); // later than every timeout under test
        return;
      default:
        res.writeHead(404).end('nope');
    }
  });
});
afterAll(() => server.close());

// Loopback is refused like any private address; the test server is reached through the operator
// allowlist (a name the test resolver maps to 127.0.0.1), which is what the allowlist is for.
const allowed = { allowedHosts: ['public.test'] };
const at = (path: string) => `http://public.test:${server.port}${path}`;

describe('guardedFetch refuses internal destinations before connecting', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://loopback.test/', 'resolves to 127.0.0.1'],
    ['http://loopback6.test/', 'resolves to ::1'],
    ['http://private.test/', 'resolves to 10.0.0.1'],
    ['http://metadata.test/', 'metadata'],
    ['http://cgnat.test/', 'carrier-grade NAT'],
    ['http://mixed.test/', 'resolves to 192.168.1.1'],
    ['file:///etc/passwd', 'only http and https'],
    ['gopher://127.0.0.1:70/_x', 'only http and https'],
    ['ftp://example.test/', 'only http and https'],
  ])('%s', async (url, reason) => {
    const net = testNet();
    const err = await guardedFetch({ url, method: 'GET' }, { deps: net.deps, allowedHosts: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRefusedError);
    expect((err as Error).message).toContain(reason);
    expect(net.connects).toEqual([]);
  });

  it('refuses a redirect to loopback, by address or by name, without requesting it', async () => {
    for (const target of [`http://127.0.0.1:${server.port}/page`, `http://loopback.test:${server.port}/page`, `http://[::1]:${server.port}/page`]) {
      const net = testNet();
      const before = server.paths.length;
      const err = await guardedFetch({ url: at(`/to?url=${encodeURIComponent(target)}`), method: 'GET' }, { deps: net.deps, ...allowed }).catch((e: unknown) => e);
      expect(err, target).toBeInstanceOf(HttpRefusedError);
      expect(server.paths.slice(before)).toEqual([`/to?url=${encodeURIComponent(target)}`]);
      expect(net.connects).toHaveLength(1);
    }
  });

  it('refuses a redirect to another scheme', async () => {
    const err = await guardedFetch({ url: at('/to?url=file:///etc/passwd'), method: 'GET' }, { deps: testNet().deps, ...allowed }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRefusedError);
  });
});

describe('guardedFetch through the allowlist', () => {
  it('fetches an allowlisted host and follows an allowed redirect, re-resolving each hop', async () => {
    const net = testNet();
    const res = await guardedFetch({ url: at(`/to?url=${encodeURIComponent(at('/page'))}`), method: 'GET' }, { deps: net.deps, ...allowed });
    expect(res).toMatchObject({ status: 200, url: at('/page'), truncated: false });
    expect(res.body.toString()).toBe('<p>hello</p>');
    expect(net.lookups).toEqual(['public.test', 'public.test']);
    expect(net.connects.map((c) => c.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('an allowlisted IP literal opens that address only', async () => {
    const res = await guardedFetch({ url: `http://127.0.0.1:${server.port}/page`, method: 'GET' }, { deps: testNet().deps, allowedHosts: ['127.0.0.1'] });
    expect(res.status).toBe(200);
  });

  it('POSTs a body, and a 303 continues as a GET without it', async () => {
    const post = await guardedFetch({ url: at('/echo'), method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } }, { deps: testNet().deps, ...allowed });
    expect(JSON.parse(post.body.toString())).toEqual({ method: 'POST', body: 'x=1' });
    const seeOther = await guardedFetch({ url: at(`/to?status=303&url=${encodeURIComponent(at('/echo'))}`), method: 'POST', body: 'x=1' }, { deps: testNet().deps, ...allowed });
    expect(JSON.parse(seeOther.body.toString())).toEqual({ method: 'GET', body: '' });
  });

  it('caps the body at 1 MB and says it was truncated', async () => {
    const res = await guardedFetch({ url: at('/big'), method: 'GET' }, { deps: testNet().deps, ...allowed });
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(1024 * 1024);
  });

  it('decodes a gzip body', async () => {
    const res = await guardedFetch({ url: at('/gzip'), method: 'GET' }, { deps: testNet().deps, ...allowed });
    expect(res.body.toString()).toBe('compressed text');
  });

  it('gives up after the time cap, and at once when the caller aborts', async () => {
    const t0 = performance.now();
    const err = await guardedFetch({ url: at('/slow'), method: 'GET', timeoutMs: 200 }, { deps: testNet().deps, ...allowed }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('within 0.2 s');
    expect(performance.now() - t0).toBeLessThan(1_000);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('cancelled')), 50); // a cancel while the request is in flight
    const aborted = await guardedFetch({ url: at('/slow'), method: 'GET', signal: ctl.signal }, { deps: testNet().deps, ...allowed }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(Error);
    expect(ctl.signal.aborted).toBe(true);
  });

  it('stops after too many redirects', async () => {
    const loop = at(`/to?url=${encodeURIComponent(at('/to?url=/to'))}`);
    const err = await guardedFetch({ url: loop, method: 'GET', maxRedirects: 2 }, { deps: testNet().deps, ...allowed }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('too many redirects');
  });
});
