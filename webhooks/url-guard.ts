/**
 * SSRF guard for webhook URLs: a registered URL must not lead the service to its own network, unless
 * WEBHOOK_ALLOWED_HOSTS (read by the process that checks) names its host. One check, run when the endpoint is
 * registered and again before every delivery: the host is resolved (an IP literal is its own only address), every
 * address is judged, and the delivery then connects to exactly the addresses judged (deliveryLookup), so neither an
 * IP literal (Node skips `lookup` for those) nor a name re-pointed after the check (DNS rebinding) gets past it.
 *
 * Addresses are classified by ipaddr.js, not by hand: only global unicast passes. Refused are, among others, private,
 * loopback, link-local, carrier-grade NAT, multicast, broadcast, reserved and documentation ranges; IPv6 unique-local,
 * site-local, discard, Teredo, 6to4 and NAT64 (64:ff9b::/96, 64:ff9b:1::/48), which can carry an IPv4 address
 * inside; IPv4-mapped (::ffff:a.b.c.d) is judged as the IPv4 address it maps; and IPv6 outside 2000::/3, the only
 * block assigned for global unicast, which refuses IPv4-compatible (::a.b.c.d) and unassigned space.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

const GLOBAL_UNICAST_IPV6 = ipaddr.parseCIDR('2000::/3');

/** True for an address a webhook must not reach (anything that is not a global unicast address, or not an address). */
export function isForbiddenAddress(address: string): boolean {
  if (isIP(address) === 0) return true;
  // process() turns an IPv4-mapped IPv6 address into the IPv4 address it maps.
  const parsed = ipaddr.process(address);
  if (parsed.range() !== 'unicast') return true;
  return parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_IPV6);
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

/**
 * The addresses a connection to the URL may use: every address its host resolves to (an IP literal: itself), each
 * one checked unless the allow-list names the host. Throws ForbiddenWebhookTarget otherwise; the message names the
 * host, never an address, so the answer does not map the service's network for whoever reads it.
 */
export async function deliverableAddresses(url: URL, allowedHosts: ReadonlySet<string>): Promise<LookupAddress[]> {
  const host = hostOf(url);
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host);
  } catch {
    throw new ForbiddenWebhookTarget(`host ${host} cannot be resolved`);
  }
  if (addresses.length === 0) throw new ForbiddenWebhookTarget(`host ${host} cannot be resolved`);
  if (!allowedHosts.has(host) && addresses.some(({ address }) => isForbiddenAddress(address))) {
    throw new ForbiddenWebhookTarget(`host ${host} is a private, loopback, link-local or otherwise non-public address`);
  }
  return addresses;
}

/** Registration's check: throws ForbiddenWebhookTarget unless every address of the URL's host may be reached. */
export async function assertPublicWebhookUrl(url: URL, allowedHosts: ReadonlySet<string>): Promise<void> {
  await deliverableAddresses(url, allowedHosts);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that answers with the addresses deliverableAddresses checked, and nothing else: the
 * connection goes where the check looked, while the URL's host name still names the server (Host header, TLS SNI and
 * certificate check).
 */
export function deliveryLookup(addresses: LookupAddress[]) {
  return (_hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  };
}
