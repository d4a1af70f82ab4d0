// The two network primitives the guarded HTTP client is built on, as injectable dependencies: the
// DNS lookup whose answer the guard judges, and the connect step that opens a socket to the
// address the guard approved (never to a name, so DNS cannot change its answer in between).
import { lookup as dnsLookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface ConnectTarget {
  address: string;
  family: 4 | 6;
  port: number;
  /** Wrap in TLS, verifying the certificate for `servername`. */
  tls: boolean;
  /** The URL's host name, for SNI and certificate checks. */
  servername: string;
}

export interface FetchDeps {
  /** Every address `hostname` resolves to. */
  lookup(hostname: string, signal: AbortSignal): Promise<ResolvedAddress[]>;
  /** A connected (and, for https, TLS-established) stream to exactly `target.address`. */
  connect(target: ConnectTarget, signal: AbortSignal): Promise<Duplex>;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The real resolver and sockets. */
export const systemFetchDeps: FetchDeps = Object.freeze({
  async lookup(hostname: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    const all = await abortable(dnsLookup(hostname, { all: true, order: 'verbatim' }), signal);
    return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  },
  connect(target: ConnectTarget, signal: AbortSignal): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      const socket: Socket = target.tls
        ? tlsConnect({
            host: target.address,
            port: target.port,
            // SNI and the certificate check use the name; an IP literal URL is checked against its IP.
            ...(isIP(target.servername) ? {} : { servername: target.servername }),
            ALPNProtocols: ['http/1.1'],
          })
        : netConnect({ host: target.address, port: target.port, family: target.family });
      const ready = target.tls ? 'secureConnect' : 'connect';
      const cleanup = () => {
        socket.off(ready, onReady);
        socket.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      const onReady = () => {
        cleanup();
        resolve(socket);
      };
      const onError = (err: Error) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onAbort = () => onError(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      socket.once(ready, onReady);
      socket.once('error', onError);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  },
});
