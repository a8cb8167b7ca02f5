/**
 * A source of wall-clock time.
 *
 * Injected everywhere time matters (backoff, deadlines, Retry-After dates, ledger
 * timestamps) so tests can use {@link ManualClock} and assert exact delays.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/**
 * Waits `ms` milliseconds. Must reject with `signal.reason` (unchanged) when the
 * signal aborts, and must not keep waiting after that.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The process clock (`Date.now()`). */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A `setTimeout`-based {@link Sleep} that honours an `AbortSignal`. */
export const systemSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
