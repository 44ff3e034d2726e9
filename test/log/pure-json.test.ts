/**
 * What the actions write to stdout and stderr, captured from a separate
 * process as Runtime captures it: every line parses as exactly one JSON
 * object, on every path (accepted, duplicate, refused, challenge, config
 * error, quarantine, status), and no raw line separator or control
 * character from the input reaches a line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

it('every line the actions write is one JSON object', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'msr-logs-')), 'answers.json');
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'actions-child.ts'), out], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: '' } });
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([200, 200, 401, 403, 200, 500, 200, 401, 200]);
  const lines = `${child.stdout}${child.stderr}`.split('\n').filter((l) => l !== '');
  // accepted ×2 (with quarantine lines), refusals, the config error, status: every path logged something
  expect(lines.length).toBeGreaterThanOrEqual(9);
  for (const line of lines) {
    let record: unknown;
    expect(() => (record = JSON.parse(line))).not.toThrow();
    expect(record).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  }
  expect(child.stderr.split('\n').filter(Boolean).every((l) => ['warn', 'error'].includes(JSON.parse(l).level))).toBe(true);
});
