import type { IntentResult } from './types.js';

/** A run of one intent in this process, as a call or a recovery pass that comes for it joins it. */
export interface Join {
  /** The fingerprint of the input the run was started with. */
  readonly fingerprint: string;
  readonly promise: Promise<IntentResult<unknown>>;
}

/**
 * The intents this process is running, by id: a call or a recovery pass that comes for
 * an intent already running here joins its run (one execution) instead of claiming it a
 * second time.
 */
export class JoinMap {
  readonly #running = new Map<string, Join>();

  /** The run of intent `id` in this process, if one is under way. */
  get(id: string): Join | undefined {
    return this.#running.get(id);
  }

  /** The ids of every intent running in this process. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Registers a run of intent `id`, synchronously, before its first ledger call
   * completes, and forgets it when it ends. Returns `promise`.
   */
  track<T extends IntentResult<unknown>>(id: string, fingerprint: string, promise: Promise<T>): Promise<T> {
    const entry: Join = { fingerprint, promise };
    this.#running.set(id, entry);
    const forget = (): void => {
      if (this.#running.get(id) === entry) this.#running.delete(id);
    };
    promise.then(forget, forget);
    return promise;
  }
}
