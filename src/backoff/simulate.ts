import { ConfigurationError } from '../errors/index.js';
import type { RandomSource } from '../internal/random.js';
import { JITTER_STRATEGIES, checkBackoffOptions, computeBackoffDelay, describeReceived, type BackoffOptions, type JitterStrategy } from './jitter.js';

/** Input of {@link simulateContention}. */
export interface ContentionInput {
  /** Number of clients, each of which must complete one write. A positive integer. */
  clients: number;
  /** Jitter every client uses. */
  strategy: JitterStrategy;
  /** First retry's nominal delay, in ms. */
  baseDelayMs: number;
  /** Largest single delay, in ms. */
  maxDelayMs: number;
  /** Source of every jitter draw; a seeded one makes the run reproducible. */
  random: RandomSource;
  /** Calls after which a client that has not succeeded gives up. A positive integer. @default 1000 */
  maxCallsPerClient?: number;
}

/** Result of {@link simulateContention}. */
export interface ContentionResult {
  /** Calls made by all clients together, successful or not. */
  totalCalls: number;
  /** Simulated time at which the last call finished, in ms from the start. */
  completionMs: number;
  /** Clients that gave up after `maxCallsPerClient` calls; 0 when every write landed. */
  unfinishedClients: number;
}

/**
 * Simulates `clients` writers contending for one resource under optimistic concurrency,
 * on a simulated clock, to compare jitter strategies by the work they cause (the
 * experiment of the AWS Architecture Blog post "Exponential Backoff And Jitter").
 *
 * Model, in whole-millisecond ticks:
 * - Every client makes its first call at tick 0.
 * - A call made at tick `t` is served during `[t, t + 1)`. Of all calls made in the same
 *   tick, the first to commit wins and the others fail their version check. Which one
 *   commits first is unobservable, so the lowest client index wins; this keeps the run
 *   deterministic and does not change any total.
 * - The winner is done. Each loser learns of the conflict at `t + 1`, takes its next
 *   delay from `computeBackoffDelay` (retry number = its failures so far) and calls again
 *   at tick `t + 1 + delay`. Learning at `t + 1` means a zero delay cannot re-enter a
 *   tick that has already been decided.
 * - A client that has made `maxCallsPerClient` calls without success gives up.
 *
 * Calls that fail in the same tick draw their jitter in client-index order, so the same
 * seed always gives the same result.
 *
 * @returns the total number of calls and the tick at which the last call finished.
 * @throws ConfigurationError for a non-positive or fractional `clients` or
 *   `maxCallsPerClient`, an unknown strategy, or invalid delays.
 */
export function simulateContention(input: ContentionInput): ContentionResult {
  const { clients, strategy, random } = input;
  const maxCallsPerClient = input.maxCallsPerClient ?? 1000;
  checkCount('clients', clients);
  checkCount('maxCallsPerClient', maxCallsPerClient);
  if (!JITTER_STRATEGIES.includes(strategy)) {
    throw new ConfigurationError({ path: 'strategy', expected: 'a JitterStrategy', received: describeReceived(strategy) });
  }
  const options: BackoffOptions = { jitter: strategy, baseDelayMs: input.baseDelayMs, maxDelayMs: input.maxDelayMs };
  checkBackoffOptions(options, 'simulation');

  const calls = new Array<number>(clients).fill(0);
  const previousDelayMs = new Array<number>(clients).fill(0);
  const queue = new CallQueue();
  for (let client = 0; client < clients; client++) queue.push(0, client);

  let totalCalls = 0;
  let completionMs = 0;
  let unfinishedClients = 0;
  const batch: number[] = [];

  while (queue.size > 0) {
    const tick = queue.peekTime();
    batch.length = 0;
    while (queue.size > 0 && queue.peekTime() === tick) batch.push(queue.pop());

    totalCalls += batch.length;
    completionMs = tick + 1;
    // batch[0] is the lowest client index: the heap orders equal ticks by client.
    for (let i = 1; i < batch.length; i++) {
      const client = batch[i] as number;
      const made = (calls[client] as number) + 1;
      calls[client] = made;
      if (made >= maxCallsPerClient) {
        unfinishedClients++;
        continue;
      }
      const delayMs = computeBackoffDelay(options, made, previousDelayMs[client] as number, random);
      previousDelayMs[client] = delayMs;
      queue.push(tick + 1 + delayMs, client);
    }
  }

  return { totalCalls, completionMs, unfinishedClients };
}

function checkCount(path: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError({ path, expected: 'an integer >= 1', received: describeReceived(value) });
  }
}

/** Binary min-heap of pending calls, ordered by tick, then client index. */
class CallQueue {
  readonly #times: number[] = [];
  readonly #clients: number[] = [];

  get size(): number {
    return this.#times.length;
  }

  peekTime(): number {
    return this.#times[0] as number;
  }

  push(time: number, client: number): void {
    let i = this.#times.length;
    this.#times.push(time);
    this.#clients.push(client);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#isBefore(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes the earliest call and returns its client index. */
  pop(): number {
    const client = this.#clients[0] as number;
    const lastTime = this.#times.pop() as number;
    const lastClient = this.#clients.pop() as number;
    const n = this.#times.length;
    if (n > 0) {
      this.#times[0] = lastTime;
      this.#clients[0] = lastClient;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < n && this.#isBefore(left, smallest)) smallest = left;
        if (right < n && this.#isBefore(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.#swap(i, smallest);
        i = smallest;
      }
    }
    return client;
  }

  #isBefore(a: number, b: number): boolean {
    const ta = this.#times[a] as number;
    const tb = this.#times[b] as number;
    return ta < tb || (ta === tb && (this.#clients[a] as number) < (this.#clients[b] as number));
  }

  #swap(a: number, b: number): void {
    const t = this.#times[a] as number;
    this.#times[a] = this.#times[b] as number;
    this.#times[b] = t;
    const c = this.#clients[a] as number;
    this.#clients[a] = this.#clients[b] as number;
    this.#clients[b] = c;
  }
}
