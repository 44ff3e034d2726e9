/** The developer's .env never reaches a test: the local tools read LOCAL_ENV_FILE, which the test run sets to none. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localEnv, localEnvFile, ROOT } from '../../dev/local-env';

it('the test run reads no env file, and says so to the processes it starts', () => {
  expect(process.env.LOCAL_ENV_FILE).toBe('none');
  expect(localEnvFile()).toBeUndefined();
});

it('LOCAL_ENV_FILE names the file; unset it is the project .env', () => {
  expect(localEnvFile({})).toBe(resolve(ROOT, '.env'));
  expect(localEnvFile({ LOCAL_ENV_FILE: '/tmp/x.env' })).toBe('/tmp/x.env');
});

it('a named file is loaded, without overriding what the environment already says', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'msr-env-')), 'dev.env');
  writeFileSync(file, 'MSR_TEST_FROM_FILE=file\nMSR_TEST_BOTH=file\n');
  const saved = process.env.LOCAL_ENV_FILE;
  process.env.LOCAL_ENV_FILE = file;
  process.env.MSR_TEST_BOTH = 'env';
  try {
    const env = localEnv();
    expect(env.MSR_TEST_FROM_FILE).toBe('file');
    expect(env.MSR_TEST_BOTH).toBe('env');
  } finally {
    process.env.LOCAL_ENV_FILE = saved;
    delete process.env.MSR_TEST_FROM_FILE;
    delete process.env.MSR_TEST_BOTH;
  }
});
