import type { Clock, Sleep } from '../injectables.js';

export type { Clock, Sleep } from '../injectables.js';

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
