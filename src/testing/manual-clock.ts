import type { Clock } from '../internal/clock.js';

interface PendingSleep {
  readonly wakeAt: number;
  readonly durationMs: number;
  readonly resolve: () => void;
}

/**
 * A {@link Clock} and matching `sleep` under the test's control.
 *
 * - `autoAdvance: true` (default): every `sleep(ms)` moves the clock forward by
 *   `ms` and resolves on the next microtask. Tests read the scheduled delays from
 *   {@link ManualClock.sleeps} and assert them exactly; no real time passes.
 * - `autoAdvance: false`: sleeps wait until the test calls {@link ManualClock.advance}.
 *
 * @example
 * const clock = new ManualClock({ now: 1_700_000_000_000 });
 * const client = createIntentClient(http, { clock, sleep: clock.sleep, ... });
 * await placeOrder(input);
 * expect(clock.sleeps).toEqual([1000]);
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #autoAdvance: boolean;
  readonly #pending: PendingSleep[] = [];
  readonly #waiters: Array<() => void> = [];
  /** Every duration passed to `sleep`, in call order, in ms. */
  readonly sleeps: number[] = [];

  constructor(options: { now?: number; autoAdvance?: boolean } = {}) {
    this.#now = options.now ?? 1_700_000_000_000;
    this.#autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.#now;
  }

  /** Sets the time (epoch ms); may go backwards to simulate a clock jump. */
  set(nowMs: number): void {
    this.#now = nowMs;
    this.#wake();
  }

  /** Moves time forward by `ms` and resolves every sleep that is due. */
  advance(ms: number): void {
    this.#now += ms;
    this.#wake();
  }

  /** Number of sleeps waiting for {@link advance} (with `autoAdvance: false`). */
  get pendingSleeps(): number {
    return this.#pending.length;
  }

  /** Resolves once at least `count` sleeps are waiting (with `autoAdvance: false`). */
  whenSleeping(count = 1): Promise<void> {
    if (this.#pending.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#pending.length >= count) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  /** A `Sleep` bound to this clock; pass it as the `sleep` option. */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#autoAdvance) {
      this.#now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry: PendingSleep = {
        wakeAt: this.#now + Math.max(0, ms),
        durationMs: ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.#pending.indexOf(entry);
        if (i >= 0) this.#pending.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push(entry);
      const waiters = this.#waiters.splice(0);
      for (const w of waiters) w();
    });
  };

  #wake(): void {
    const due = this.#pending.filter((p) => p.wakeAt <= this.#now);
    for (const p of due) {
      this.#pending.splice(this.#pending.indexOf(p), 1);
      p.resolve();
    }
  }
}
