/** Where a destination may send: the SSRF rules of a destination URL (refusals are in test/support/chat-suite.ts). */
import { checkEndpointUrl } from '../../src/destinations/endpoint-url';

describe('checkEndpointUrl', () => {
  it.each([
    'https://hooks.slack.com/services/T0/B0/X',
    'https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x',
    'https://93.184.215.14/hook',
    'https://[2606:4700::1111]/hook',
  ])('deployed, %s is accepted (https, a public host)', (url) => {
    expect(checkEndpointUrl(url, { local: false })).toEqual({ ok: true, value: new URL(url).href });
  });
  it.each(['https://100.64.0.1/x', 'https://192.168.1.1/x', 'https://172.31.255.255/x', 'https://0.0.0.0/x', 'https://[fe80::1]/x', 'https://[::ffff:7f00:1]/x', 'https://printer.local/x', 'https://a.localhost/x', 'https://[64:ff9b::a00:1]/x'])(
    'deployed, %s is refused (not a public address)',
    (url) => {
      expect(checkEndpointUrl(url, { local: false })).toEqual({ ok: false, error: expect.stringContaining('public host') });
    },
  );
  it('locally, loopback over http or https; never credentials', () => {
    expect(checkEndpointUrl('http://[::1]:9000/x', { local: true }).ok).toBe(true);
    expect(checkEndpointUrl('https://127.0.0.2/x', { local: true }).ok).toBe(true);
    expect(checkEndpointUrl('http://u:p@127.0.0.1/x', { local: true })).toEqual({ ok: false, error: expect.stringContaining('credentials') });
    expect(checkEndpointUrl(undefined, { local: true })).toEqual({ ok: false, error: 'url is missing' });
  });
});
