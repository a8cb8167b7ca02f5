import type { RunSlot } from './runner.js';

/**
 * A counting semaphore for recovery's concurrency bound. A run gives its place back
 * while it waits and takes it again before its next request (RunSlot); a run coming
 * back from a wait goes ahead of intents not started yet.
 */
export class Slots implements RunSlot {
  #free: number;
  readonly #returning: Array<() => void> = [];
  readonly #starting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** For a run coming back from a wait: goes ahead of intents not started yet. */
  acquire(): Promise<void> {
    return this.#take(this.#returning);
  }

  /** For a new intent: waits behind every run coming back from a wait. */
  acquireNew(): Promise<void> {
    return this.#take(this.#starting);
  }

  /**
   * For growing a batch of new intents: takes a free place at once if there is one, and
   * never waits (a place is free only when nobody is queued for one).
   */
  tryAcquireNew(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  release(): void {
    const next = this.#returning.shift() ?? this.#starting.shift();
    if (next) next();
    else this.#free++;
  }

  #take(queue: Array<() => void>): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => queue.push(resolve));
  }
}

