import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileKv } from '../../src/stores/file-kv';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { createRedisKv } from '../../src/stores/redis-kv';
import { createStateKv } from '../../src/stores/state-kv';
import { FakeStateService, fakeStateClient } from '../support/fake-state';
import { hasRedisServer, startRedis } from '../support/redis-server';
import { storeContract } from './contract';

let clock = Date.now();
const advanceClock = async (s: number) => void (clock += s * 1000);

storeContract('memory', async () => {
  clock = Date.now();
  return { kv: createMemoryKv(() => clock), advance: advanceClock, now: () => clock };
});

let dir: string;
storeContract(
  'file',
  async () => {
    clock = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'msr-file-kv-'));
    return { kv: createFileKv(dir, () => clock), advance: advanceClock, now: () => clock };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

storeContract('aio-lib-state (client faked)', async () => {
  clock = Date.now();
  const service = new FakeStateService(() => clock);
  return { kv: createStateKv(async () => fakeStateClient(service)), advance: advanceClock, now: () => clock };
});

if (hasRedisServer()) {
  let redis: { url: string; stop: () => Promise<void> };
  let kv: ReturnType<typeof createRedisKv>;
  beforeAll(async () => (redis = await startRedis()));
  afterAll(async () => redis.stop());
  storeContract(
    'redis (real redis-server)',
    async () => {
      kv = createRedisKv(redis.url);
      for await (const k of kv.keys('')) await kv.delete(k);
      // Redis expires by its own clock: wait for real
      return { kv, advance: (s) => new Promise((r) => setTimeout(r, s * 1000 + 100)) };
    },
    async () => kv.close?.(),
  );
} else {
  // eslint-disable-next-line no-console
  console.warn('redis-server not found: Redis store tests skipped (install the Debian package redis-server)');
  describe.skip('redis (real redis-server)', () => it('needs redis-server', () => undefined));
}
