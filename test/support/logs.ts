/** Captures every log line at every level, for assertions about what is (never) logged. */
import { addLogSink } from '../../src/log';

export function captureLogs(): { lines: string[]; stop: () => void; text: () => string } {
  const lines: string[] = [];
  const stop = addLogSink((_level, line) => lines.push(line));
  return { lines, stop, text: () => lines.join('\n') };
}
