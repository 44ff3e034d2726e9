/** The workspace credential from include-ims-credentials, exchanged by @adobe/aio-lib-core-auth against a local fake IMS. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { imsAccessToken, imsCredential } from '../../src/ims/credential';
import { FAKE_TOKEN, routeImsTo, startFakeIoManagement, type FakeIoManagement } from '../support/fake-io-management';

const given = { client_id: 'client-9', client_secret: 'secret-9', org_id: 'ORG9@AdobeOrg', scopes: ['adobeio_api'] };

describe('imsCredential', () => {
  it('reads __ims_oauth_s2s and __ims_env', () => {
    expect(imsCredential({ __ims_oauth_s2s: given, __ims_env: 'stage' })).toEqual({ clientId: 'client-9', clientSecret: 'secret-9', orgId: 'ORG9@AdobeOrg', scopes: ['adobeio_api'], env: 'stage' });
  });
  it('scopes as a comma-separated string (IMS_OAUTH_S2S_SCOPES that is not JSON)', () => {
    expect(imsCredential({ __ims_oauth_s2s: { ...given, scopes: 'a, b,,c' } })?.scopes).toEqual(['a', 'b', 'c']);
  });
  it.each([[undefined], ['text'], [[given]], [{ ...given, client_secret: '' }], [{ ...given, org_id: undefined }], [{ ...given, client_id: 7 }]])('missing or incomplete: %j', (c) => {
    expect(imsCredential({ __ims_oauth_s2s: c })).toBeUndefined();
  });
});

describe('imsAccessToken', () => {
  let fake: FakeIoManagement;
  let route: ReturnType<typeof routeImsTo>;
  let hanging: http.Server;
  beforeAll(async () => {
    fake = await startFakeIoManagement({ clientId: 'client-9', clientSecret: 'secret-9', orgId: 'ORG9@AdobeOrg' });
    hanging = http.createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  });
  afterEach(() => route?.restore());
  afterAll(async () => {
    await fake.close();
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it('gets the token from IMS once, then from aio-lib-core-auth\'s cache', async () => {
    route = routeImsTo(fake.url);
    const c = imsCredential({ __ims_oauth_s2s: given })!;
    expect(await imsAccessToken(c)).toBe(FAKE_TOKEN);
    expect(await imsAccessToken(c)).toBe(FAKE_TOKEN);
    expect(fake.tokenRequests).toBe(1);
    expect(route.hosts).toEqual(['https://ims-na1.adobelogin.com']);
  });
  it('a refused credential is an error that names IMS\'s reason, not the secret', async () => {
    route = routeImsTo(fake.url);
    const err = await imsAccessToken(imsCredential({ __ims_oauth_s2s: { ...given, client_secret: 'wrong-secret-xyz' } })!).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^IMS token request failed: .*invalid client credentials/);
    expect((err as Error).message).not.toContain('wrong-secret-xyz');
  });
  it('an IMS that does not answer is given up on after the timeout', async () => {
    route = routeImsTo(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}`);
    const err = await imsAccessToken(imsCredential({ __ims_oauth_s2s: { ...given, client_secret: 'another-secret' } })!, 200).catch((e: Error) => e);
    expect((err as Error).message).toBe('IMS did not answer within 200 ms');
  });
});
