/**
 * The local runtime's record of accepted invocations (LOCAL_INVOCATIONS_FILE,
 * one JSON line each), durable before anyone is told: `append` resolves only
 * once the line is written and fsync'ed, as the platform acknowledges only what
 * it has accepted. Concurrent appends are group-committed: while one write +
 * fsync is in flight the next lines queue, and go out together in one write and
 * one fsync — so throughput grows with concurrency instead of paying an fsync
 * per invocation. A batch whose write or fsync fails is cut off the file again
 * (its callers are told it failed, so it must not stay as if accepted).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface InvocationJournal {
  /** resolves when `line` (with its newline) is on disk; rejects when it could not be written */
  append(line: string): Promise<void>;
  /** waits for what is queued, then closes the file */
  close(): Promise<void>;
  /** lines written and fsyncs done, for benchmarks and tests */
  readonly stats: { lines: number; syncs: number };
}

interface Pending {
  text: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export async function openInvocationJournal(path: string, o: { sync?: (fh: FileHandle) => Promise<void> } = {}): Promise<InvocationJournal> {
  const file = resolve(path);
  await mkdir(dirname(file), { recursive: true });
  const fh = await open(file, 'a');
  const sync = o.sync ?? ((h: FileHandle) => h.datasync());
  const stats = { lines: 0, syncs: 0 };
  let size = (await fh.stat()).size;
  let queue: Pending[] = [];
  let writing: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    while (queue.length) {
      const batch = queue;
      queue = [];
      const text = Buffer.from(batch.map((p) => p.text).join(''));
      try {
        await fh.write(text);
        await sync(fh);
        size += text.length;
        stats.lines += batch.length;
        stats.syncs++;
        for (const p of batch) p.resolve();
      } catch (err) {
        await fh.truncate(size).catch(() => undefined);
        for (const p of batch) p.reject(err as Error);
      }
    }
    writing = undefined;
  };

  return {
    stats,
    append(line) {
      return new Promise<void>((res, rej) => {
        queue.push({ text: line.endsWith('\n') ? line : `${line}\n`, resolve: res, reject: rej });
        writing ??= drain();
      });
    },
    async close() {
      await writing;
      await fh.close();
    },
  };
}
