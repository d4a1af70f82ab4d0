// Network doubles for the HTTP tool's guard: a resolver that maps test names to chosen addresses and
// a connect step that refuses to open anything but 127.0.0.1. A guard bug therefore fails the test
// (the connect throws) instead of sending a packet off the machine.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ConnectTarget, type FetchDeps, type ResolvedAddress, systemFetchDeps } from '../../src/runner/http/net.ts';

export const TEST_NAMES: Record<string, string[]> = {
  'public.test': ['127.0.0.1'],
  'loopback.test': ['127.0.0.1'],
  'loopback6.test': ['::1'],
  'private.test': ['10.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'cgnat.test': ['100.64.0.1'],
  // One public answer and one private: still refused.
  'mixed.test': ['93.184.216.34', '192.168.1.1'],
  'example.test': ['93.184.216.34'],
};

export interface TestNet {
  deps: FetchDeps;
  /** Every connect the client attempted, allowed or not. */
  connects: ConnectTarget[];
  lookups: string[];
}

export function testNet(names: Record<string, string[]> = TEST_NAMES): TestNet {
  const connects: ConnectTarget[] = [];
  const lookups: string[] = [];
  return {
    connects,
    lookups,
    deps: {
      async lookup(hostname): Promise<ResolvedAddress[]> {
        lookups.push(hostname);
        const found = names[hostname];
        if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
      async connect(target, signal) {
        connects.push(target);
        if (target.address !== '127.0.0.1') throw new Error(`test connect: refusing to leave loopback (asked for ${target.address})`);
        return systemFetchDeps.connect(target, signal);
      },
    },
  };
}

export interface TestHttpServer {
  port: number;
  /** Paths requested, in order. */
  paths: string[];
  bodies: string[];
  headers: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 whose handler also receives the raw request body. */
export async function startTestHttpServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>): Promise<TestHttpServer> {
  const paths: string[] = [];
  const bodies: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    paths.push(req.url ?? '/');
    bodies.push(body);
    headers.push(req.headers);
    try {
      await handler(req, res, body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    bodies,
    headers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
