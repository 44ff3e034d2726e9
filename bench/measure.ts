/** Timing helpers: warm-up, repeated runs, percentiles. Ratios are computed inside one run. */
export interface Timing {
  runs: number;
  p50: number;
  p99: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Times `run` on inputs made by `prepare` (untimed, one at a time, so the heap stays small). */
export async function timeIt<T>(runs: number, warmup: number, prepare: (i: number) => T, run: (input: T) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run(prepare(i));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const input = prepare(warmup + i);
    const t = process.hrtime.bigint();
    await run(input);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { runs, p50: percentile(samples, 50), p99: percentile(samples, 99), mean: samples.reduce((a, b) => a + b, 0) / runs };
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
