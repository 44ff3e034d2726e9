/**
 * Where a destination may point (OWASP Server-Side Request Forgery Prevention
 * Cheat Sheet: allow-list the scheme, refuse internal addresses, do not follow
 * redirects, check the address actually connected to).
 *
 * Deployed: `https:` only, no credentials in the URL, a host name with a dot
 * (a single label resolves through search domains to internal hosts) that is
 * not `localhost`, and no IP literal of a private, loopback, link-local,
 * carrier-grade NAT, documentation, multicast or reserved range. At send time
 * the name's addresses are checked again (`guardedLookup`): a public name that
 * resolves to 10.0.0.1 is refused before a connection is made.
 * Local (the project's local runtime and tests, never a Runtime activation:
 * see src/runtime/activation.ts `where`): loopback `http:` URLs are accepted too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges no deployed destination may reach (IANA special-purpose registries, RFC 6890). */
const NON_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is one a deployed destination may connect to (IPv4-mapped IPv6 is checked as IPv4). */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return !NON_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

const bare = (hostname: string): string => hostname.replace(/^\[|\]$/g, '').toLowerCase();
const isLoopbackHost = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost') || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

export type UrlCheck = { ok: true; url: URL } | { ok: false; error: string };

/**
 * A destination URL by the rules above; `schemes`: what the kind speaks (default http(s)).
 * Errors never quote the URL (it may hold a token, as Slack's do).
 */
export function checkDestinationUrl(raw: unknown, o: { local: boolean; credentials?: boolean; schemes?: string[] }): UrlCheck {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'url is missing' };
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, error: 'url is not a URL' };
  }
  const host = bare(u.hostname);
  const schemes = o.schemes ?? ['https:', 'http:'];
  if (!schemes.includes(u.protocol)) return { ok: false, error: `url must be ${schemes.join(' or ')}, got ${u.protocol}` };
  if (!o.credentials && (u.username || u.password)) return { ok: false, error: 'url must not hold credentials (user:password@)' };
  if (!host) return { ok: false, error: 'url has no host' };
  if (o.local && isLoopbackHost(host)) return { ok: true, url: u };
  if (u.protocol === 'http:') return { ok: false, error: 'url must be https: (plain http: only to a loopback host in the local runtime)' };
  if (isLoopbackHost(host)) return { ok: false, error: 'url must name a public host, not localhost or a loopback address' };
  if (isIP(host)) return isPublicAddress(host) ? { ok: true, url: u } : { ok: false, error: 'url must name a public host, not a private, loopback, link-local or reserved address' };
  if (!host.includes('.')) return { ok: false, error: 'url must name a fully qualified public host (a name with a dot)' };
  return { ok: true, url: u };
}

/** A refused address: named so callers classify it as a reject, not a network failure to retry. */
export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  readonly code = 'ERR_PRIVATE_ADDRESS';
}

/**
 * `dns.lookup` that fails when a name resolves to any non-public address: given to the
 * http(s) Agent as `lookup`, so the address checked is the address connected to (no
 * rebinding between a check and the connection). IP literals never reach a lookup: they are
 * checked when the URL is (checkDestinationUrl).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address))) {
      return callback(new PrivateAddressError(`${hostname} resolves to a non-public address`), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};
