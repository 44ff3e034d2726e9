/**
 * Structured logs: exactly one JSON object per line, written straight to the
 * process's stdout (info, debug) and stderr (warn, error) — the two streams
 * Apache OpenWhisk's Node.js runtime captures into the activation record
 * (core/nodejsActionBase/src/service.js ends each activation with a sentinel
 * on both through console.log / console.error, so a direct write lands before
 * it). App Builder's log forwarding (Splunk, Azure Log Analytics, New Relic)
 * and `aio app logs | jq` read each line as one JSON document.
 *
 * Why not Core.Logger (`@adobe/aio-lib-core-logging`): its winston provider
 * prefixes every line with a timestamp, the logger name and the level
 * (`2026-…Z [name] info: {…}`), so a line is no longer JSON, and loading it
 * cost ≈ 20 ms and ≈ 120 KB of each receiver bundle at cold start.
 *
 * Fields whose name says they hold a credential are replaced before the line
 * is built, so a caller cannot leak a secret by passing the wrong object; any
 * character a line reader may take for a line break or a terminal control
 * (C0 and C1 controls, U+2028, U+2029) is written as a JSON `\u` escape.
 */

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

export interface Log {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const SECRET_KEY = /authorization|token|secret|signature|password|passwd|api[-_]?key|cookie|credential|private/i;
const MAX_STRING = 512;
const MAX_DEPTH = 6;

/** Extra receivers of every formatted line (tests use one to assert what is never logged). */
const sinks = new Set<(level: LogLevel, line: string) => void>();
export function addLogSink(sink: (level: LogLevel, line: string) => void): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/**
 * LOG_LEVEL: error | warn | info (default: unset or empty) | debug; `off` prints nothing (tests,
 * benchmarks). Any other value is undefined — a configuration error, never quietly `info`.
 */
export function parseLogLevel(value: unknown): LogLevel | 'off' | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 'info';
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return v === 'off' ? 'off' : Object.hasOwn(LEVELS, v) ? (v as LogLevel) : undefined;
}

/** Copies `value` with credential-named fields replaced and long strings cut. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length})` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 1000).map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

// JSON.stringify escapes C0 controls but leaves DEL, the C1 block (U+0085 NEL among
// them) and U+2028 / U+2029 raw; in a JSON text they can only stand inside a string,
// where the escape means the same character.
const UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;
const escapeUnsafe = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One log record as one line of JSON: nothing in it can break the line or drive a terminal. */
export function formatLine(record: LogFields): string {
  return JSON.stringify(record).replace(UNSAFE, escapeUnsafe);
}

export type LogWriter = (level: LogLevel, line: string) => void;

/** stdout for info and debug, stderr for warn and error, as console.log / console.error would. */
const processWriter: LogWriter = (level, line) => {
  (LEVELS[level] <= LEVELS.warn ? process.stderr : process.stdout).write(`${line}\n`);
};

export function createLog(name: string, level: LogLevel | 'off' = 'info', base: LogFields = {}, writer: LogWriter = processWriter): Log {
  const threshold = level === 'off' ? -1 : LEVELS[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    const printed = LEVELS[lvl] <= threshold;
    if (!printed && sinks.size === 0) return;
    const line = formatLine({ level: lvl, time: new Date().toISOString(), logger: name, msg, ...(redact({ ...base, ...fields }) as LogFields) });
    for (const sink of sinks) sink(lvl, line);
    if (printed) writer(lvl, line);
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
  };
}

/** A log that prints nothing (benchmarks, tests) while still feeding the sinks. */
export const silentLog = (): Log => createLog('silent', 'off');
