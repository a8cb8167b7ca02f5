import { ConfigurationError } from '../errors/index.js';
import type { RandomSource } from '../internal/random.js';
import { describeValue, parseOptions } from '../internal/validation.js';
import { checkBackoffOptions, drawBackoffDelay, jitterSchema, type BackoffOptions, type JitterStrategy } from './jitter.js';

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
  /**
   * Network between the clients and the resource. When set, the run uses the remote
   * read-then-write model of the published simulator (see {@link simulateContention});
   * when absent, the one-tick model.
   */
  network?: ContentionNetwork | undefined;
}

/**
 * One-way message delay of the simulated network: every message takes
 * `|Normal(meanDelayMs, sdDelayMs)|` ms, drawn independently. The published experiment
 * used a mean of 10 ms and a standard deviation of 2 ms ("variance of 4ms").
 */
export interface ContentionNetwork {
  /** Mean one-way delay, in ms. Finite, `>= 0`. */
  meanDelayMs: number;
  /** Standard deviation of the one-way delay, in ms. Finite, `>= 0`; 0 makes every message take exactly `meanDelayMs` and draws nothing. */
  sdDelayMs: number;
}

/** Result of {@link simulateContention}. */
export interface ContentionResult {
  /** Calls (writes) made by all clients together, successful or not. Reads are not counted. */
  totalCalls: number;
  /**
   * Simulated time at which the last call finished, in ms from the start: in the network
   * model, when the last client received the answer to its last write (not an integer).
   */
  completionMs: number;
  /** Clients that gave up after `maxCallsPerClient` calls; 0 when every write landed. */
  unfinishedClients: number;
}

/**
 * Simulates `clients` writers contending for one resource under optimistic concurrency,
 * on a simulated clock, to compare jitter strategies by the work they cause and the time
 * they take. Delays come from {@link computeBackoffDelay}, so the run measures
 * intentkey's own backoff. Pure: no timers, no I/O; all randomness comes from `random`.
 *
 * **Network model** (`network` set): the model of the simulator published with the AWS
 * Architecture Blog post "Exponential Backoff And Jitter" (M. Brooker, 2015;
 * github.com/awslabs/aws-arch-backoff-simulator, `src/backoff_simulator.py`):
 * - The resource is one row with a version number, starting at 0.
 * - Every client starts at time 0 by sending a read. Each message (read request, read
 *   answer, write request, write answer) takes its own network delay (see
 *   {@link ContentionNetwork}).
 * - The read returns the version current when it reaches the row. On the answer, the
 *   client sends a write conditional on that version. The write succeeds, and bumps the
 *   version, only if no other write succeeded in between; so two clients conflict when
 *   one's successful write lands between the other's read and write, a window of about
 *   two network delays, not only when they arrive at the same instant.
 * - A client whose write failed waits one network delay plus its next backoff delay
 *   (retry number = its failed writes so far), then reads again. A client whose write
 *   succeeded is done.
 * - A call is a write; `completionMs` is when the last write answer arrived.
 * - Messages due at the same instant are handled in the order they were sent.
 *
 * **One-tick model** (`network` absent), a simplification with no network: every
 * client calls at tick 0; a call made at tick `t` is served during `[t, t + 1)`; of the
 * calls made in the same tick the lowest client index wins and the others fail (which one
 * commits first is unobservable, so this changes no total); each loser learns of the
 * conflict at `t + 1` and calls again at `t + 1 + delay`, so a zero delay cannot re-enter
 * a tick already decided. Calls conflict only when they share a tick, so it understates
 * contention for any jittered strategy compared with the network model.
 *
 * In both, a client that has made `maxCallsPerClient` calls without success gives up,
 * which bounds the run at `clients × maxCallsPerClient` calls, and the same seed always
 * gives the same result.
 *
 * @returns the total number of calls and the time at which the last call finished.
 * @throws ConfigurationError for a non-positive or fractional `clients` or
 *   `maxCallsPerClient`, an unknown strategy, invalid delays, or a network delay that is
 *   negative or not finite.
 */
export function simulateContention(input: ContentionInput): ContentionResult {
  const { clients, strategy, random } = input;
  const maxCallsPerClient = input.maxCallsPerClient ?? 1000;
  checkCount('clients', clients);
  checkCount('maxCallsPerClient', maxCallsPerClient);
  parseOptions(jitterSchema, strategy, 'strategy');
  const options: BackoffOptions = { jitter: strategy, baseDelayMs: input.baseDelayMs, maxDelayMs: input.maxDelayMs };
  checkBackoffOptions(options, 'simulation');
  if (input.network !== undefined) {
    checkDelay('network.meanDelayMs', input.network.meanDelayMs);
    checkDelay('network.sdDelayMs', input.network.sdDelayMs);
    return simulateOverNetwork(clients, options, input.network, random, maxCallsPerClient);
  }

  const calls = new Array<number>(clients).fill(0);
  const previousDelayMs = new Array<number>(clients).fill(0);
  const queue = new CallQueue();
  for (let client = 0; client < clients; client++) queue.push(0, client, client);

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
    // batch[0] is the lowest client index: equal ticks are ordered by client.
    for (let i = 1; i < batch.length; i++) {
      const client = batch[i] as number;
      const made = (calls[client] as number) + 1;
      calls[client] = made;
      if (made >= maxCallsPerClient) {
        unfinishedClients++;
        continue;
      }
      const delayMs = drawBackoffDelay(options, made, previousDelayMs[client] as number, random);
      previousDelayMs[client] = delayMs;
      queue.push(tick + 1 + delayMs, client, client);
    }
  }

  return { totalCalls, completionMs, unfinishedClients };
}

/**
 * What a client's one pending message is, in the network model: its read or its
 * conditional write travelling to the row, or the row's answer to either travelling back.
 */
type Step = 'read' | 'readAnswer' | 'write' | 'writeAnswer';

function simulateOverNetwork(
  clients: number,
  options: BackoffOptions,
  network: ContentionNetwork,
  random: RandomSource,
  maxCallsPerClient: number,
): ContentionResult {
  const { meanDelayMs, sdDelayMs } = network;
  const hopMs = sdDelayMs === 0 ? (): number => meanDelayMs : (): number => Math.abs(meanDelayMs + sdDelayMs * standardNormal(random));

  // Each client has exactly one message in flight, so per-client state says what it is.
  const step = new Array<Step>(clients).fill('read');
  const versionRead = new Array<number>(clients).fill(0);
  const wrote = new Array<boolean>(clients).fill(false);
  const calls = new Array<number>(clients).fill(0);
  const previousDelayMs = new Array<number>(clients).fill(0);
  const queue = new CallQueue();
  let sent = 0;
  for (let client = 0; client < clients; client++) queue.push(hopMs(), sent++, client);

  let version = 0;
  let totalCalls = 0;
  let completionMs = 0;
  let unfinishedClients = 0;

  while (queue.size > 0) {
    const nowMs = queue.peekTime();
    const client = queue.pop();
    switch (step[client] as Step) {
      case 'read':
        versionRead[client] = version;
        step[client] = 'readAnswer';
        queue.push(nowMs + hopMs(), sent++, client);
        break;
      case 'readAnswer':
        step[client] = 'write';
        queue.push(nowMs + hopMs(), sent++, client);
        break;
      case 'write': {
        totalCalls++;
        calls[client] = (calls[client] as number) + 1;
        const isCurrent = versionRead[client] === version;
        if (isCurrent) version++;
        wrote[client] = isCurrent;
        step[client] = 'writeAnswer';
        queue.push(nowMs + hopMs(), sent++, client);
        break;
      }
      case 'writeAnswer': {
        completionMs = nowMs;
        if (wrote[client] === true) break;
        const made = calls[client] as number;
        if (made >= maxCallsPerClient) {
          unfinishedClients++;
          break;
        }
        // Network delay first, then the backoff draw: the published simulator's order.
        const travelMs = hopMs();
        const delayMs = drawBackoffDelay(options, made, previousDelayMs[client] as number, random);
        previousDelayMs[client] = delayMs;
        step[client] = 'read';
        queue.push(nowMs + travelMs + delayMs, sent++, client);
        break;
      }
    }
  }

  return { totalCalls, completionMs, unfinishedClients };
}

/** One draw from the standard normal distribution (Box-Muller; two uniform draws). */
function standardNormal(random: RandomSource): number {
  // 1 − u is in (0, 1], so the logarithm is finite.
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function checkDelay(path: string, value: number): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new ConfigurationError({ path, expected: 'a finite number of ms >= 0', received: describeValue(value) });
  }
}

function checkCount(path: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError({ path, expected: 'an integer >= 1', received: describeValue(value) });
  }
}

/** Binary min-heap of pending calls, ordered by time, then by an order key given at push. */
class CallQueue {
  readonly #times: number[] = [];
  readonly #orders: number[] = [];
  readonly #clients: number[] = [];

  get size(): number {
    return this.#times.length;
  }

  peekTime(): number {
    return this.#times[0] as number;
  }

  /** @param order - breaks ties between equal times, lowest first. */
  push(time: number, order: number, client: number): void {
    let i = this.#times.length;
    this.#times.push(time);
    this.#orders.push(order);
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
    const lastOrder = this.#orders.pop() as number;
    const lastClient = this.#clients.pop() as number;
    const n = this.#times.length;
    if (n > 0) {
      this.#times[0] = lastTime;
      this.#orders[0] = lastOrder;
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
    return ta < tb || (ta === tb && (this.#orders[a] as number) < (this.#orders[b] as number));
  }

  #swap(a: number, b: number): void {
    const t = this.#times[a] as number;
    this.#times[a] = this.#times[b] as number;
    this.#times[b] = t;
    const o = this.#orders[a] as number;
    this.#orders[a] = this.#orders[b] as number;
    this.#orders[b] = o;
    const c = this.#clients[a] as number;
    this.#clients[a] = this.#clients[b] as number;
    this.#clients[b] = c;
  }
}
