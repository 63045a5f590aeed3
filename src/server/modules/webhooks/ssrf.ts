import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may not send: every address that reaches the server's own host or network, or
 * a cloud provider's metadata service. Checked on every address a host resolves to, at delivery
 * time, and the connection then goes to the address that was checked. The ranges are ipaddr.js's
 * (its `range()` names): only `unicast` is public.
 */
const V4_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'reserved (broadcast)',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  as112: 'AS112 DNS sink',
  amt: 'AMT relay',
};

const V6_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard',
  teredo: 'Teredo tunnel',
  benchmarking: 'benchmarking',
  amt: 'AMT relay',
  as112v6: 'AS112 DNS sink',
  deprecatedOrchid: 'ORCHID',
  orchid2: 'ORCHID',
  droneRemoteIdProtocolEntityTags: 'reserved',
  segmentRouting: 'segment routing (SRv6)',
  reserved: 'reserved (documentation or IETF protocol assignments)',
};

/** Public-looking unicast addresses that are not public either. */
const V4_EXTRA: [ipaddr.IPv4, number, string][] = [
  // Azure's wire server (Alibaba's metadata service, 100.100.100.200, is inside carrier-grade NAT).
  [ipaddr.IPv4.parse('168.63.129.16'), 32, 'cloud metadata'],
];

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/** The IPv4 address in two 16-bit groups of an IPv6 address. */
const v4Of = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);

function v4Reason(ip: ipaddr.IPv4, shown: string): string | undefined {
  const range = ip.range();
  if (range !== 'unicast') return `${shown} is a ${V4_LABELS[range] ?? range} address`;
  const extra = V4_EXTRA.find(([net, bits]) => ip.match(net, bits));
  return extra && `${shown} is a ${extra[2]} address`;
}

/**
 * An IPv6 address that carries an IPv4 one is judged by that IPv4 address: IPv4-mapped
 * (::ffff:0:0/96), SIIT (::ffff:0:0:0/96), IPv4-compatible (::/96), the well-known NAT64 prefix
 * (64:ff9b::/96) and 6to4 (2002::/16). Where the IPv4 part cannot be told for sure, the range is
 * refused whole: local-use NAT64 (64:ff9b:1::/48, the prefix length is the operator's) and Teredo.
 */
function v6Reason(ip: ipaddr.IPv6, shown: string): string | undefined {
  const range = ip.range();
  const g = ip.parts;
  let inner: ipaddr.IPv4 | undefined;
  if (range === 'ipv4Mapped' || range === 'rfc6145') inner = v4Of(g[6]!, g[7]!);
  else if (range === 'rfc6052') {
    if (!ip.match(NAT64_WELL_KNOWN)) return `${shown} is a local-use NAT64 address`;
    inner = v4Of(g[6]!, g[7]!);
  } else if (range === '6to4') inner = v4Of(g[1]!, g[2]!);
  else if (range === 'unicast') {
    if (!ip.match(IPV4_COMPATIBLE)) return undefined;
    inner = v4Of(g[6]!, g[7]!);
  } else return `${shown} is a ${V6_LABELS[range] ?? range} address`;
  const reason = v4Reason(inner, inner.toString());
  return reason && `${reason} (in ${shown})`;
}

/** Why an IP address must not be sent to, or undefined when it is a public address. */
export function blockedReason(address: string): string | undefined {
  // net.isIP first: only the standard text forms (what DNS answers and URL hosts are), not the
  // legacy ones ipaddr.js also reads (0x7f.1, 2130706433).
  if (net.isIP(address) === 0) return 'not an IP address';
  const ip = ipaddr.parse(address);
  return ip.kind() === 'ipv4' ? v4Reason(ip as ipaddr.IPv4, address) : v6Reason(ip as ipaddr.IPv6, address);
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
