/**
 * Every log line is exactly one JSON object on one line, whatever the input:
 * what App Builder's log forwarding and `aio app logs | jq` need.
 */
import { createLog, formatLine, type LogLevel } from '../../src/log';

function capture(level: Parameters<typeof createLog>[1] = 'debug'): { lines: { level: LogLevel; line: string }[]; log: ReturnType<typeof createLog> } {
  const lines: { level: LogLevel; line: string }[] = [];
  return { lines, log: createLog('marketo-stream-relay/test', level, {}, (l, line) => lines.push({ level: l, line })) };
}

// every code point a line reader, a terminal or a JS-embedded JSON reader may treat specially
const HOSTILE = ['\n', '\r', '\u0000', '\u001b[31m', '\u007f', '\u0085', '\u0080', '\u009b31m', '\u009f', '\u2028', '\u2029', '"', '\\', '\ud800'];

describe('log lines', () => {
  it('are one JSON object with level, time, logger and message, and nothing before it', () => {
    const { lines, log } = capture();
    log.info('delivery accepted', { deliveryId: 'd-1', events: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0].line.startsWith('{')).toBe(true);
    const record = JSON.parse(lines[0].line);
    expect(record).toMatchObject({ level: 'info', logger: 'marketo-stream-relay/test', msg: 'delivery accepted', deliveryId: 'd-1', events: 3 });
    expect(new Date(record.time).toISOString()).toBe(record.time);
  });

  it('carry no raw line break, C0/C1 control, DEL or U+2028/U+2029 from any field, key or message', () => {
    const { lines, log } = capture();
    for (const h of HOSTILE) log.warn(`msg${h}end`, { [`key${h}`]: `value${h}`, nested: { list: [h] } });
    expect(lines).toHaveLength(HOSTILE.length);
    lines.forEach(({ line }, i) => {
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      const record = JSON.parse(line);
      // the escape keeps the text: what was logged is what was sent
      expect(record.msg).toBe(`msg${HOSTILE[i]}end`);
      expect(record[`key${HOSTILE[i]}`]).toBe(`value${HOSTILE[i]}`);
    });
  });

  it('escape exactly the unsafe characters and nothing else', () => {
    expect(formatLine({ a: 'x\u2028y\u0085z\u00a0é' })).toBe('{"a":"x\\u2028y\\u0085z\u00a0é"}');
  });

  it('never carry a credential-named field, however deep', () => {
    const { lines, log } = capture();
    log.error('auth failed', { authorization: 'Bearer abc', nested: { clientSecret: 's3cr3t', signature: 'sig', ok: 1 } });
    expect(lines[0].line).not.toMatch(/abc|s3cr3t|sig"/);
    expect(JSON.parse(lines[0].line).nested.ok).toBe(1);
  });

  it('go to stderr for warn and error, stdout for info and debug, and respect the level', () => {
    const { lines, log } = capture('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const real = createLog('real', 'debug');
      real.info('to stdout');
      real.error('to stderr');
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(out).toHaveLength(1);
    expect(err).toHaveLength(1);
    expect(out[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(out[0]).msg).toBe('to stdout');
    expect(JSON.parse(err[0]).msg).toBe('to stderr');
  });

  it('print nothing when off', () => {
    const { lines, log } = capture('off');
    log.error('e');
    expect(lines).toHaveLength(0);
  });
});
