import dns from 'node:dns';
import net from 'node:net';

/**
 * Where a webhook may not send: every address that reaches the server's own host or network, or
 * a cloud provider's metadata service. Checked on every address a host resolves to, at delivery
 * time, and the connection then goes to the address that was checked.
 */
const V4_BLOCKED: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
  // Azure's wire server and Alibaba's metadata service sit outside the private ranges.
  ['168.63.129.16', 32, 'cloud metadata'],
  ['100.100.100.200', 32, 'cloud metadata'],
];

const V6_BLOCKED: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const v4 = new net.BlockList();
const v6 = new net.BlockList();
// One list per range as well, to name the range in the refusal.
const ranges: { family: 'ipv4' | 'ipv6'; label: string; list: net.BlockList }[] = [];
for (const [family, table, all] of [['ipv4', V4_BLOCKED, v4], ['ipv6', V6_BLOCKED, v6]] as const) {
  for (const [address, prefix, label] of table) {
    all.addSubnet(address, prefix, family);
    const list = new net.BlockList();
    list.addSubnet(address, prefix, family);
    ranges.push({ family, label, list });
  }
}

/** The 8 groups of an IPv6 address, each 0..0xffff (handles `::` and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  return [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
}

/** The IPv4 address an IPv6 one carries (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const v4of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return v4of(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zeros(6) && (g[6] !== 0 || g[7]! > 1)) return v4of(g[6]!, g[7]!); // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4of(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4of(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** Why an IP address must not be sent to, or undefined when it is a public address. */
export function blockedReason(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 4) {
    if (!v4.check(address, 'ipv4')) return undefined;
  } else if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== undefined) {
      const reason = blockedReason(inner);
      return reason && `${reason} (in ${address})`;
    }
    if (!v6.check(address, 'ipv6')) return undefined;
  } else {
    return 'not an IP address';
  }
  const kind = ranges.find((r) => r.family === (family === 4 ? 'ipv4' : 'ipv6') && r.list.check(address, r.family));
  return `${address} is a ${kind?.label ?? 'non-public'} address`;
}

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves every address of the host, refuses the connection if
 * any of them is not public (a host that also resolves inside is not trusted), and hands the
 * socket the addresses it checked, so a second resolution cannot swap them.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refusal = addressesRefusal(hostname, addresses);
    if (refusal) return callback(new BlockedAddressError(`refused: ${refusal}`), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/** Hosts refused without asking DNS. */
export function blockedHostName(hostname: string): string | undefined {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return `${hostname} is a loopback name`;
  if (h === 'metadata.google.internal' || h === 'metadata') return `${hostname} is a cloud metadata name`;
  return undefined;
}

/** Why a host is refused before asking DNS: a literal address that is not public, or a refused name. */
export function hostRefusal(host: string): string | undefined {
  return net.isIP(host) ? blockedReason(host) : blockedHostName(host);
}

/** Why the addresses a host resolved to are refused: any one of them that is not public. */
function addressesRefusal(host: string, addresses: dns.LookupAddress[]): string | undefined {
  for (const a of addresses) {
    const reason = blockedReason(a.address);
    if (reason) return `${host} resolves to ${reason}`;
  }
  return undefined;
}

/** The host of a URL as the socket sees it: IPv6 literals without brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A webhook URL parsed, or why it is refused without asking DNS: not an absolute http(s) URL,
 * credentials in it, or (unless private addresses are allowed) a literal host that is not public.
 * Creation and every delivery attempt check with this.
 */
export function checkUrl(raw: string, allowPrivate: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (!allowPrivate) {
    const refusal = hostRefusal(urlHost(url));
    if (refusal) return `refused: ${refusal}`;
  }
  return url;
}

/**
 * Why a webhook URL is refused at creation (scheme, credentials, a private literal address or
 * a name that resolves to one), or undefined. Delivery checks again on every attempt.
 */
export async function urlProblem(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  const url = checkUrl(raw, allowPrivate);
  if (typeof url === 'string') return url;
  const host = urlHost(url);
  if (allowPrivate || net.isIP(host)) return undefined;
  try {
    const resolved = addressesRefusal(host, await dns.promises.lookup(host, { all: true, verbatim: true }));
    if (resolved) return `refused: ${resolved}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') return `host ${host} does not resolve`;
    // A DNS failure now says nothing about later; delivery checks again.
  }
  return undefined;
}
