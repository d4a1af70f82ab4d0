// Which IP addresses the HTTP tool may connect to. The rule is an allowlist in spirit: IPv6 must be
// global unicast (2000::/3), and both families minus every special-purpose block (RFC 6890 and
// successors). Forms that carry an IPv4 address inside IPv6 are judged by that IPv4 address.
import { isIP } from 'node:net';

type Range = readonly [bytes: readonly number[], prefixBits: number, reason: string];

// Order matters: the first match names the reason (metadata before link-local).
const V4: readonly Range[] = [
  [[169, 254, 169, 254], 32, 'a cloud metadata address'],
  [[0], 8, 'an unspecified ("this network") address'],
  [[10], 8, 'a private address'],
  [[100, 64], 10, 'a carrier-grade NAT (shared) address'],
  [[127], 8, 'a loopback address'],
  [[169, 254], 16, 'a link-local address'],
  [[172, 16], 12, 'a private address'],
  [[192, 0, 0], 24, 'a reserved (IETF protocol) address'],
  [[192, 0, 2], 24, 'a documentation address'],
  [[192, 88, 99], 24, 'a reserved (6to4 relay) address'],
  [[192, 168], 16, 'a private address'],
  [[198, 18], 15, 'a benchmarking address'],
  [[198, 51, 100], 24, 'a documentation address'],
  [[203, 0, 113], 24, 'a documentation address'],
  [[224], 4, 'a multicast address'],
  [[240], 4, 'a reserved address'],
];

const V6: readonly Range[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'a cloud metadata address'],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'a loopback address'],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128, 'an unspecified address'],
  [[0xfe, 0x80], 10, 'a link-local address'],
  [[0xfe, 0xc0], 10, 'a site-local address'],
  [[0xfc], 7, 'a private (unique local) address'],
  [[0xff], 8, 'a multicast address'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'a documentation address'],
  // Teredo, ORCHID and other IETF assignments: tunnels and non-routable identifiers.
  [[0x20, 0x01, 0x00], 23, 'a reserved (IETF protocol) address'],
];

function matches(addr: readonly number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((addr[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of an IPv6 address that `net.isIP` accepted (zone id, `::` and a dotted tail allowed). */
function v6Bytes(ip: string): number[] {
  let s = ip.split('%')[0] as string;
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    tail = v4Bytes(dotted[1] as string);
    s = `${s.slice(0, dotted.index)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const groups = (x: string) => (x === '' ? [] : x.split(':').map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? h : [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function v4Problem(b: readonly number[]): string | null {
  for (const range of V4) if (matches(b, range)) return range[2];
  return null;
}

/**
 * Why the HTTP tool must not connect to `ip`, or null when it is a public address. Anything that
 * is not an IP address at all is refused too.
 */
export function addressProblem(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return v4Problem(v4Bytes(ip));
  if (family !== 6) return 'not an IP address';
  const b = v6Bytes(ip);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // IPv4-mapped (::ffff:a.b.c.d) and the NAT64 well-known prefix (64:ff9b::/96) reach an IPv4 host.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4Problem(b.slice(12));
  if (matches(b, [[0, 0x64, 0xff, 0x9b], 96, ''])) return v4Problem(b.slice(12));
  // 6to4 (2002::/16) carries the IPv4 address in bytes 2..5.
  if (b[0] === 0x20 && b[1] === 0x02) return v4Problem(b.slice(2, 6));
  for (const range of V6) if (matches(b, range)) return range[2];
  // Deprecated IPv4-compatible (::a.b.c.d) and everything else outside global unicast 2000::/3.
  if (((b[0] ?? 0) & 0xe0) !== 0x20) return 'a reserved address';
  return null;
}
