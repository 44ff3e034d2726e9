/**
 * Where a destination may send (issue 25; OWASP's SSRF prevention cheat sheet:
 * an allow-list of schemes, no internal addresses, no redirects — the POST
 * itself, src/destinations/post-json.ts, never follows one). Deployed: `https:`
 * to a public host only — no IP literal in a private, loopback, link-local,
 * shared or reserved range, no single-label or local-only name (`localhost`,
 * `*.local`, `*.internal`…). In the local runtime, a loopback host is also
 * accepted, over `http:` or `https:`, so tests and `npm start` can use local
 * receivers. A URL never carries credentials (`user:pass@`): a webhook's secret
 * has its own setting. The errors never quote the URL — for Slack and Teams the
 * URL is itself the secret.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges no destination may reach deployed (IANA special-purpose registries, IPv4 and IPv6). */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) internal.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) internal.addSubnet(net, prefix, 'ipv6');

const LOCAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;
const LOOPBACK_NAME = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** An IP literal's family and address, IPv4-mapped IPv6 (::ffff:a.b.c.d) read as the IPv4 it maps. */
function literal(hostname: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const kind = isIP(bare);
  if (kind === 0) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (hexMapped) {
    const [hi, lo] = [parseInt(hexMapped[1], 16), parseInt(hexMapped[2], 16)];
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
  }
  return { address: bare, family: kind === 4 ? 'ipv4' : 'ipv6' };
}

/** A loopback host (as WHATWG's URL writes it: IPv6 in brackets): the only hosts the local runtime adds to the public ones. */
export const isLoopbackHostname = (hostname: string): boolean => LOOPBACK_NAME.test(hostname);

/**
 * A host no destination may reach deployed: an IP literal in an internal range, or a single-label or
 * local-only name. `hostname` as WHATWG's URL normalizes it for a special scheme (127.1 → 127.0.0.1).
 */
export function isInternalHost(hostname: string): boolean {
  const ip = literal(hostname);
  return ip ? internal.check(ip.address, ip.family) : !hostname.includes('.') || LOCAL_NAME.test(hostname.replace(/\.$/, ''));
}

export type UrlCheck = { ok: true; value: string } | { ok: false; error: string };

/** `raw` as a destination URL, or why not (in words that never repeat the URL). */
export function checkEndpointUrl(raw: unknown, o: { local: boolean }): UrlCheck {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'url is missing' };
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, error: 'url is not a URL' };
  }
  if (u.username !== '' || u.password !== '') return { ok: false, error: 'url must not carry credentials (user:password@)' };
  const loopback = isLoopbackHostname(u.hostname);
  if (o.local && loopback && (u.protocol === 'http:' || u.protocol === 'https:')) return { ok: true, value: u.href };
  if (u.protocol !== 'https:') return { ok: false, error: `url must be https: (was ${u.protocol.replace(/:$/, '')})${o.local ? ', or http: to a loopback host' : ''}` };
  if (isInternalHost(u.hostname)) {
    return { ok: false, error: 'url must name a public host (not a private, loopback, link-local or local-only address)' };
  }
  return { ok: true, value: u.href };
}

/** A name that resolved to an internal address: refused before connecting (a reject, not a network failure to retry). */
export class InternalAddressError extends Error {
  override name = 'InternalAddressError';
}

/**
 * dns.lookup that fails when a name resolves to any internal address (isInternalHost): given to
 * the request as its `lookup`, so the address checked is the address connected to — a public name
 * pointed at 10.0.0.1, or re-pointed between a check and the connection (DNS rebinding), is refused.
 * IP literals never reach a lookup: checkEndpointUrl checks them.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (addresses.length === 0 || addresses.some((a) => isInternalHost(a.address))) {
      return callback(new InternalAddressError(`${hostname} resolves to an internal address`), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};
