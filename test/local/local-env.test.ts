/** The developer's .env never reaches a test: the local tools read LOCAL_ENV_FILE, which the test run sets to none. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localEnvFile, ROOT } from '../../dev/local-env';

it('the test run reads no env file, and says so to the processes it starts', () => {
  expect(process.env.LOCAL_ENV_FILE).toBe('none');
  expect(localEnvFile()).toBeUndefined();
});

it('LOCAL_ENV_FILE names the file; unset it is the project .env', () => {
  expect(localEnvFile({})).toBe(resolve(ROOT, '.env'));
  expect(localEnvFile({ LOCAL_ENV_FILE: '/tmp/x.env' })).toBe('/tmp/x.env');
});

it('a named file is loaded into the process, without overriding what its environment already says', () => {
  // in a process of its own: process.loadEnvFile writes the real environment, which Jest's sandbox does not show
  const file = join(mkdtempSync(join(tmpdir(), 'msr-env-')), 'dev.env');
  writeFileSync(file, 'MSR_TEST_FROM_FILE=file\nMSR_TEST_BOTH=file\n');
  const script = `const { localEnv } = require(${JSON.stringify(join(ROOT, 'dev/local-env.ts'))}); const e = localEnv(); console.log(JSON.stringify({ a: e.MSR_TEST_FROM_FILE, b: e.MSR_TEST_BOTH }));`;
  const run = (env: NodeJS.ProcessEnv) => JSON.parse(spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env }).stdout);
  expect(run({ ...process.env, LOCAL_ENV_FILE: file, MSR_TEST_BOTH: 'env' })).toEqual({ a: 'file', b: 'env' });
  expect(run({ ...process.env, LOCAL_ENV_FILE: 'none', MSR_TEST_BOTH: 'env' })).toEqual({ b: 'env' });
});
