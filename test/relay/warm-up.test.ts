/**
 * A container's first request builds the openwhisk client at its first
 * network wait (src/relay/run.ts warmUpOnce), and only once.
 */
describe('the first request warms the invoker while it waits', () => {
  it('prepare runs once per container, after the request started waiting, and a failing prepare harms nothing', async () => {
    jest.resetModules();
    const { runReceiver } = await import('../../src/relay/run');
    const { setRelayOverrides } = await import('../../src/relay/context');
    const { stop, rejected } = await import('../../src/outcome');
    const order: string[] = [];
    const invoker = { invoke: jest.fn(), prepare: jest.fn(() => { order.push('prepare'); throw new Error('openwhisk missing'); }) };
    setRelayOverrides({ invoker });
    const receive = async () => {
      order.push('receive starts waiting');
      await new Promise((r) => setTimeout(r, 5)); // the signing-key fetch
      order.push('receive resumes');
      return stop(rejected(401, 'signature_invalid', 'test'));
    };
    const params = { __ow_method: 'post', __ow_headers: {}, __ow_body: '', LOG_LEVEL: 'off', EVENTS_CLIENT_ID: 'c' };
    expect(await runReceiver('user-audit', 'user-audit', params, receive)).toMatchObject({ statusCode: 401 });
    expect(order).toEqual(['receive starts waiting', 'prepare', 'receive resumes']);
    await runReceiver('user-audit', 'user-audit', params, receive);
    expect(invoker.prepare).toHaveBeenCalledTimes(1);
    setRelayOverrides({});
  });
});
