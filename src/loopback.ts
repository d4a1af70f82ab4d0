import { isIPv4 } from 'node:net';

/** Whether a bind address (`HOST`) is reachable from this machine only: 127.0.0.0/8, localhost, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || (isIPv4(h) && h.startsWith('127.'));
}

/**
 * Splits a Host header (`name[:port]`, `[v6][:port]`) into its name and port, or null when it is
 * not one. Only the syntax is checked; the caller decides which names it answers.
 */
export function parseAuthority(value: string): { hostname: string; port: string } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value);
  if (!m) return null;
  return { hostname: (m[1] as string).toLowerCase(), port: m[2] ?? '' };
}

/**
 * Whether a Host header names this machine's loopback interface (127.0.0.0/8, localhost, [::1], any
 * port). A DNS-rebinding page reaches the server under its own domain name, so it never passes.
 */
export function isLoopbackAuthority(value: string): boolean {
  const a = parseAuthority(value);
  return a !== null && a.hostname !== '::1' && isLoopbackHost(a.hostname);
}
