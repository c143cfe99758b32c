/** The SSRF guard: which addresses a webhook may reach, by literal, by name, and through the allow-list. */
import { assertPublicWebhookUrl, ForbiddenWebhookTarget, guardedLookup, isForbiddenAddress, parseAllowedHosts } from '../../webhooks/url-guard';

describe('webhook URL guard', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::7', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'ff02::1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it('refuses a name that resolves to loopback, unless the allow-list names it', async () => {
    await expect(assertPublicWebhookUrl(new URL('http://localhost:9/x'), new Set())).rejects.toBeInstanceOf(ForbiddenWebhookTarget);
    await expect(assertPublicWebhookUrl(new URL('http://localhost:9/x'), parseAllowedHosts(' LocalHost , 10.0.0.5'))).resolves.toBeUndefined();
    await expect(assertPublicWebhookUrl(new URL('http://[::1]:9/x'), parseAllowedHosts('[::1]'))).resolves.toBeUndefined();
  });

  it('refuses at connection time too, so a name re-pointed after registration cannot reach inside', async () => {
    const lookup = guardedLookup(new Set());
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, (failure) => resolve(failure)));
    expect(error).toBeInstanceOf(ForbiddenWebhookTarget);
    const allowed = guardedLookup(new Set(['localhost']));
    const addresses = await new Promise((resolve) => allowed('localhost', { all: true }, (_failure, found) => resolve(found)));
    expect(addresses).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]));
  });
});
