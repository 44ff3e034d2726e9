import { invokeFailure, loadOpenwhisk, openwhiskInvoker, openwhiskInvokers, type OwFactory } from '../../src/delivery/invoker';
import { startFakeController } from '../runtime/fake-controller';
import { readActivation } from '../../src/runtime/activation';

const env = { __OW_API_HOST: 'https://runtime.example', __OW_API_KEY: 'uuid:key' };

describe('openwhiskInvoker (the openwhisk client side of the boundary)', () => {
  it('invokes non-blocking and returns the activation id', async () => {
    const calls: unknown[] = [];
    const factory = jest.fn(() => ({ actions: { invoke: async (o: unknown) => (calls.push(o), { activationId: 'a'.repeat(32) }) } }));
    const inv = openwhiskInvoker(env, factory);
    expect(await inv.invoke('pkg/target', { route: 'r', events: [] }, 1000)).toEqual({ ok: true, activationId: 'a'.repeat(32) });
    expect(calls[0]).toEqual({ name: 'pkg/target', params: { route: 'r', events: [] }, blocking: false, namespace: '_' });
    expect(factory).toHaveBeenCalledWith({ apihost: 'https://runtime.example', api_key: 'uuid:key' });
  });
  it('maps OpenWhiskError status codes', async () => {
    for (const [statusCode, retryable] of [[429, true], [503, true], [500, true], [413, false], [404, false], [401, false]] as const) {
      const factory = () => ({ actions: { invoke: async () => Promise.reject(Object.assign(new Error('x'), { name: 'OpenWhiskError', statusCode })) } });
      expect(await openwhiskInvoker(env, factory).invoke('a', {}, 1000)).toEqual({ ok: false, retryable, status: statusCode, reason: `HTTP ${statusCode}` });
    }
  });
  it('times out a hanging call', async () => {
    const factory = () => ({ actions: { invoke: () => new Promise<{ activationId: string }>(() => undefined) } });
    expect(await openwhiskInvoker({ ...env, __OW_API_KEY: 'other:key' }, factory).invoke('a', {}, 20)).toMatchObject({ ok: false, retryable: true, reason: 'network: TimeoutError' });
  });
  it('fails retryably without Runtime credentials', async () => {
    expect(await openwhiskInvoker({}).invoke('a', {}, 100)).toMatchObject({ ok: false, retryable: true });
  });
  it('treats an answer without activation id as not handed off', async () => {
    const factory = () => ({ actions: { invoke: async () => ({}) } });
    expect(await openwhiskInvoker({ ...env, __OW_API_KEY: 'third:key' }, factory).invoke('a', {}, 100)).toMatchObject({ ok: false });
  });
  it('prepare builds the client ahead of the first invocation, once; without credentials it builds nothing', async () => {
    const factory = jest.fn(() => ({ actions: { invoke: async () => ({ activationId: 'b'.repeat(32) }) } }));
    const inv = openwhiskInvoker(env, factory);
    inv.prepare?.();
    expect(factory).toHaveBeenCalledTimes(1);
    expect(await inv.invoke('a', {}, 100)).toMatchObject({ ok: true });
    inv.prepare?.();
    expect(factory).toHaveBeenCalledTimes(1);
    const none = jest.fn(factory);
    openwhiskInvoker({}, none).prepare?.();
    expect(none).not.toHaveBeenCalled();
  });
  it("each activation's invoker uses that activation's key, namespace and transaction id, whatever process.env says at the call", async () => {
    const calls: { key: string; o: unknown }[] = [];
    const factory = jest.fn((o: { apihost: string; api_key: string }) => ({ actions: { invoke: async (opts: unknown) => (calls.push({ key: o.api_key, o: opts }), { activationId: 'c'.repeat(32) }) } }));
    const pool = openwhiskInvokers(factory);
    const env = { __OW_API_HOST: 'https://runtime.example', __OW_ACTIVATION_ID: 'a1', __OW_API_KEY: 'u1:k1', __OW_NAMESPACE: 'ns1', __OW_TRANSACTION_ID: 't1' };
    const first = pool.forActivation(readActivation(env));
    const second = pool.forActivation(readActivation({ ...env, __OW_ACTIVATION_ID: 'a2', __OW_API_KEY: 'u2:k2', __OW_NAMESPACE: 'ns2', __OW_TRANSACTION_ID: 't2' }));
    const again = pool.forActivation(readActivation({ ...env, __OW_ACTIVATION_ID: 'a3', __OW_TRANSACTION_ID: 't3' }));
    await Promise.all([second.invoke('p/a', {}, 100), first.invoke('p/a', {}, 100), again.invoke('p/a', {}, 100)]);
    expect(calls).toEqual([
      { key: 'u2:k2', o: expect.objectContaining({ namespace: 'ns2', headers: { 'x-request-id': 't2' } }) },
      { key: 'u1:k1', o: expect.objectContaining({ namespace: 'ns1', headers: { 'x-request-id': 't1' } }) },
      { key: 'u1:k1', o: expect.objectContaining({ namespace: 'ns1', headers: { 'x-request-id': 't3' } }) },
    ]);
    // one client per key, shared by the activations that carry it
    expect(factory).toHaveBeenCalledTimes(2);
  });
  it('classifies network errors as retryable', () => {
    expect(invokeFailure(new Error('ECONNRESET'))).toMatchObject({ ok: false, retryable: true });
  });
});

describe('loadOpenwhisk (the client modules the invoker loads)', () => {
  it("sends exactly the request the package's main sends: only the Client and the actions resource are loaded", async () => {
    const controller = await startFakeController();
    try {
      const invokeWith = async (make: OwFactory) => {
        const inv = openwhiskInvokers(make).forActivation(readActivation({ __OW_API_HOST: controller.url, __OW_API_KEY: 'u1:k1', __OW_ACTIVATION_ID: 'a1', __OW_NAMESPACE: 'ns1', __OW_TRANSACTION_ID: 't1' }));
        return inv.invoke('pkg/sink', { route: 'r', events: [{ id: 'e1' }] }, 5000);
      };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const main = require('openwhisk') as OwFactory;
      expect(await invokeWith(loadOpenwhisk())).toMatchObject({ ok: true });
      expect(await invokeWith(main)).toMatchObject({ ok: true });
      expect(controller.invokes).toHaveLength(2);
      expect(controller.invokes[0]).toEqual(controller.invokes[1]);
      expect(controller.invokes[0]).toMatchObject({ namespace: 'ns1', action: 'pkg/sink', apiKey: 'u1:k1', transactionId: 't1', params: { route: 'r', events: [{ id: 'e1' }] } });
      const client = loadOpenwhisk()({ apihost: controller.url, api_key: 'u1:k1' }) as Record<string, unknown>;
      expect(Object.keys(client)).toEqual(['actions']);
    } finally {
      await controller.close();
    }
  });
});
