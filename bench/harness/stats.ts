/**
 * Small statistics helpers shared by the benchmark harness. Latencies are kept in
 * nanoseconds as plain numbers (a run never exceeds 2^53 ns).
 */

/** Value at percentile `p` (0–100) of an ascending array, nearest-rank; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** Median of any array (not modified); NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

/** p50/p99/max of latencies in ns, returned in µs. Sorts `latenciesNs` in place. */
export function latencySummaryUs(latenciesNs: Float64Array): { p50Us: number; p99Us: number; maxUs: number } {
  latenciesNs.sort();
  return {
    p50Us: percentile(latenciesNs, 50) / 1000,
    p99Us: percentile(latenciesNs, 99) / 1000,
    maxUs: (latenciesNs.length > 0 ? (latenciesNs[latenciesNs.length - 1] as number) : Number.NaN) / 1000,
  };
}

/** Elapsed ns since `start` (a `process.hrtime.bigint()` reading). */
export function sinceNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/**
 * Runs `op(i)` for i = 0, 1, … with `concurrency` callers at a time until `total`
 * operations have completed or `deadlineMs` of wall time has passed (then no new one
 * starts). Records each operation's latency (ns) in the returned array, truncated to
 * the number completed. A rejected operation is counted in `errors` and keeps its
 * latency; the first error is kept for the report.
 */
export async function runConcurrent(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  deadlineMs: number,
): Promise<{ latenciesNs: Float64Array; completed: number; errors: number; firstError: string | undefined; timedOut: boolean }> {
  const latencies = new Float64Array(total);
  const stopAt = process.hrtime.bigint() + BigInt(Math.round(deadlineMs * 1e6));
  let next = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let timedOut = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const start = process.hrtime.bigint();
      if (start > stopAt) {
        timedOut = true;
        return;
      }
      try {
        await op(i);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      latencies[completed++] = Number(process.hrtime.bigint() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { latenciesNs: latencies.subarray(0, completed), completed, errors, firstError, timedOut };
}

/** `list` rotated left by `by` places: the variant order of round `by`. */
export function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const k = ((by % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Rounds to `digits` significant decimals for JSON output (keeps result files readable). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
