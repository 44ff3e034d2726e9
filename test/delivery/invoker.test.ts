import { invokeFailure, openwhiskInvoker } from '../../src/delivery/invoker';

const env = { __OW_API_HOST: 'https://runtime.example', __OW_API_KEY: 'uuid:key' };

describe('openwhiskInvoker (the openwhisk client side of the boundary)', () => {
  it('invokes non-blocking and returns the activation id', async () => {
    const calls: unknown[] = [];
    const factory = jest.fn(() => ({ actions: { invoke: async (o: unknown) => (calls.push(o), { activationId: 'a'.repeat(32) }) } }));
    const inv = openwhiskInvoker(env, factory);
    expect(await inv.invoke('pkg/target', { route: 'r', events: [] }, 1000)).toEqual({ ok: true, activationId: 'a'.repeat(32) });
    expect(calls[0]).toEqual({ name: 'pkg/target', params: { route: 'r', events: [] }, blocking: false });
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
  it('classifies network errors as retryable', () => {
    expect(invokeFailure(new Error('ECONNRESET'))).toMatchObject({ ok: false, retryable: true });
  });
});
