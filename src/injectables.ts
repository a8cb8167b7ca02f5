/**
 * The three things every part of intentkey takes from outside instead of reaching for
 * globals: time, waiting and randomness. Pass your own (e.g. `ManualClock` and
 * `SeededRandom` of `intentkey/testing`) to make timing and keys reproducible in tests.
 * Types only: the defaults are built in and used whenever an option is left out.
 */

/**
 * A source of wall-clock time.
 *
 * Injected everywhere time matters (backoff, deadlines, Retry-After dates, ledger
 * timestamps) so tests can use `ManualClock` (`intentkey/testing`) and assert exact delays.
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

/**
 * A source of randomness. Injected so that jitter and key generation can be made
 * deterministic in tests (see `SeededRandom` in `intentkey/testing`).
 *
 * By default intentkey uses a source backed by the
 * operating system's CSPRNG: idempotency keys must be unguessable, because a
 * venue replays a stored response to anyone who presents the same key.
 */
export interface RandomSource {
  /** A uniformly distributed number in `[0, 1)`. */
  next(): number;
  /** Fills `target` with uniformly distributed bytes. */
  fill(target: Uint8Array): void;
}
