import type { Outcome } from '../classify/outcome.js';
import type { IntentStatus } from '../ledger/intent.js';
import type { IntentEventHandlers, IntentEventMap } from './types.js';

/**
 * What the client's own metrics collector counts from the three events every call
 * raises (`intentStarted`, `attemptStarted`, `outcome`), given as plain arguments. The
 * runner calls these directly and builds an event object only when a listener
 * subscribed to that event: with no listener of your own, a call builds none of the
 * three. Each method receives exactly the fields the collector reads from the event.
 */
export interface RunCounters {
  started(intentId: string, via: 'call' | 'recovery', resumed: boolean, status: IntentStatus): void;
  attemptStarted(intentId: string, attempt: number): void;
  outcome(intentId: string, outcome: Outcome, status: IntentStatus): void;
}

type Listener<K extends keyof IntentEventMap> = (event: IntentEventMap[K]) => void;

/**
 * A tiny typed event emitter. Listeners run synchronously, in subscription order;
 * one that throws is isolated so observability can never break an intent.
 */
export class IntentEvents {
  readonly #listeners: { [K in keyof IntentEventMap]?: Array<Listener<K>> } = {};
  /**
   * The client's metrics collector, fed directly (see {@link RunCounters}); set once by
   * `createIntentClient`. Every place that raises one of those three events calls it too.
   */
  counters: RunCounters | undefined;

  constructor(handlers: IntentEventHandlers | undefined) {
    if (!handlers) return;
    for (const name of Object.keys(handlers) as Array<keyof IntentEventMap>) {
      const handler = handlers[name];
      if (handler) this.on(name, handler as Listener<typeof name>);
    }
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof IntentEventMap>(name: K, listener: Listener<K>): () => void {
    const list = (this.#listeners[name] ??= []) as Array<Listener<K>>;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** True when anyone listens, so callers can skip building a payload. */
  has(name: keyof IntentEventMap): boolean {
    return (this.#listeners[name]?.length ?? 0) > 0;
  }

  emit<K extends keyof IntentEventMap>(name: K, event: IntentEventMap[K]): void {
    const list = this.#listeners[name];
    if (!list) return;
    for (const listener of [...list]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not change what happens to money: ignore it.
      }
    }
  }
}
