/**
 * SSRF guard for webhook URLs: a registered URL must not lead the service to its own network (private, loopback,
 * link-local, carrier-grade NAT, multicast or reserved addresses, IPv4 or IPv6), unless WEBHOOK_ALLOWED_HOSTS names
 * its host. Checked when the endpoint is registered (every address the name resolves to) and again at every
 * delivery, inside the connection's own DNS lookup, so a name re-pointed after registration (DNS rebinding) is
 * refused too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** True for an address a webhook must not reach; IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 inside. */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isForbiddenAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return forbidden.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class ForbiddenWebhookTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenWebhookTarget';
  }
}

/** `WEBHOOK_ALLOWED_HOSTS` as a set of lower-case host names or addresses (IPv6 without brackets). */
export function parseAllowedHosts(text: string | undefined): Set<string> {
  return new Set(
    (text ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase().replace(/^\[|\]$/g, ''))
      .filter(Boolean),
  );
}

const hostOf = (url: URL): string => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/** Resolves the URL's host and refuses it when any address is forbidden and the host is not allowed by name. */
export async function assertPublicWebhookUrl(url: URL, allowedHosts: ReadonlySet<string>): Promise<void> {
  const host = hostOf(url);
  if (allowedHosts.has(host)) return;
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host);
  } catch {
    throw new ForbiddenWebhookTarget(`host ${host} cannot be resolved`);
  }
  const bad = addresses.find(({ address }) => isForbiddenAddress(address));
  if (addresses.length === 0 || bad) {
    throw new ForbiddenWebhookTarget(`host ${host} resolves to ${bad?.address ?? 'nothing'}, a private, loopback or link-local address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses forbidden addresses at connection time (the address connected to is one
 * it checked), unless the host is allowed by name.
 */
export function guardedLookup(allowedHosts: ReadonlySet<string>) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, options.all ? [] : '', 0);
      const bad = addresses.find(({ address }) => isForbiddenAddress(address));
      if (!allowedHosts.has(host) && (bad || addresses.length === 0)) {
        return callback(new ForbiddenWebhookTarget(`host ${host} resolves to ${bad?.address ?? 'nothing'}, which webhooks may not reach`), options.all ? [] : '', 0);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
