/** The SSRF guard: which addresses a webhook may reach, by literal, by name, and through the allow-list. */
import { assertPublicWebhookUrl, deliverableAddresses, deliveryLookup, ForbiddenWebhookTarget, isForbiddenAddress, parseAllowedHosts } from '../../webhooks/url-guard';

describe('webhook URL guard', () => {
  it.each([
    ['loopback', '127.0.0.1'], ['loopback', '127.8.9.10'], ['private', '10.1.2.3'], ['private', '172.16.0.1'], ['private', '172.31.255.255'],
    ['private', '192.168.1.1'], ['link-local (cloud metadata)', '169.254.169.254'], ['carrier-grade NAT', '100.64.0.1'], ['unspecified', '0.0.0.0'],
    ['multicast', '224.0.0.1'], ['broadcast', '255.255.255.255'], ['benchmarking', '198.18.0.1'], ['documentation', '203.0.113.9'],
    ['IPv6 loopback', '::1'], ['IPv6 unspecified', '::'], ['IPv6 link-local', 'fe80::1'], ['unique-local', 'fd00::1'], ['unique-local', 'fc00::7'],
    ['site-local', 'fec0::1'], ['IPv6 multicast', 'ff02::1'], ['IPv6 documentation', '2001:db8::1'], ['discard', '100::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'], ['IPv4-mapped private', '::ffff:10.0.0.1'], ['IPv4-translated (SIIT)', '::ffff:0:7f00:1'],
    ['IPv4-compatible loopback', '::7f00:1'], ['IPv4-compatible public', '::808:808'],
    ['NAT64 well-known prefix', '64:ff9b::7f00:1'], ['NAT64 local-use prefix', '64:ff9b:1::7f00:1'], ['6to4', '2002:7f00:1::1'], ['Teredo', '2001::1'],
    ['not an address', 'localhost'],
  ])('refuses %s: %s', (_range, address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it.each(['http://[::127.0.0.1]:9/x', 'http://[::ffff:0:7f00:1]:9/x', 'http://[64:ff9b:1::7f00:1]:9/x', 'http://[2002:7f00:1::1]:9/x', 'http://[fec0::1]:9/x', 'http://0x7f.1:9/x'])(
    'refuses the registration of %s, naming no address',
    async (url) => {
      const failure = await assertPublicWebhookUrl(new URL(url), new Set()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ForbiddenWebhookTarget);
      expect((failure as Error).message).toMatch(/^host \S+ is a private, loopback, link-local or otherwise non-public address$/);
    },
  );

  it('refuses a name that resolves to loopback, unless the allow-list names it', async () => {
    await expect(assertPublicWebhookUrl(new URL('http://localhost:9/x'), new Set())).rejects.toBeInstanceOf(ForbiddenWebhookTarget);
    await expect(assertPublicWebhookUrl(new URL('http://localhost:9/x'), parseAllowedHosts(' LocalHost , 10.0.0.5'))).resolves.toBeUndefined();
    await expect(assertPublicWebhookUrl(new URL('http://[::1]:9/x'), parseAllowedHosts('[::1]'))).resolves.toBeUndefined();
  });

  it('gives a delivery only the addresses it checked, so a name re-pointed since cannot reach inside', async () => {
    const addresses = await deliverableAddresses(new URL('http://localhost:9/x'), new Set(['localhost']));
    expect(addresses).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]));
    const lookup = deliveryLookup(addresses);
    const answered = await new Promise((resolve) => lookup('rebound.example', { all: true }, (_error, found) => resolve(found)));
    expect(answered).toEqual(addresses);
  });
});
