/**
 * Child process of the SIGKILL chaos harness (test B3).
 *
 * It places a fixed set of business actions against the fake venue and reports every
 * call that resolved to its parent over IPC, waiting for the report to be written into
 * the channel before it moves on. That is the oracle: whatever was reported must still
 * hold after the parent kills this process at any instant (ALICE's "acknowledged means
 * durable"). The parent owns the venue, so the venue outlives every kill.
 *
 * Two bots:
 * - intentkey (default): a `FileLedger` in `--dir`, `client.recover()` first, then the
 *   operation is called for every business id. Finished ones replay from the ledger
 *   without a network call, so the driver needs no bookkeeping of its own.
 * - naive (`--naive`): axios + axios-retry, no ledger, no reconcile. On restart it
 *   resends everything it did not see succeed (the parent passes that list in `--ids`).
 *   This is the negative control: it must produce duplicates on the same harness.
 *
 * Run: `node --import tsx test/chaos/driver.ts --url <venue> --mode exchange|payments
 *   --dir <ledger dir> (--count <n> --prefix <p> | --ids a,b,c) [--naive] [--concurrency <n>]`
 * from the repository root (tsx resolves from the working directory). With
 * `--wait-for-go` it loads everything, reports `booted`, and waits for a `go` message
 * carrying the real arguments: the parent starts the next process while the current
 * one is still running, so a restart does not pay for module loading.
 *
 * Fail points (no hooks in `src/`): when `INTENTKEY_CHAOS_FAILPOINT` names one, the
 * driver SIGKILLs itself at the `INTENTKEY_CHAOS_FAILPOINT_N`-th occurrence (default 1)
 * of that moment in this process:
 * - `afterCreate`: the request builder of an intent's first attempt. The builder runs
 *   after `create()` is durable and before the in-flight record is written, so the
 *   intent is left `pending` with nothing sent.
 * - `afterInFlight`: the `attemptStarted` event, emitted after the in-flight record is
 *   durable and before the request is sent.
 * - `afterResponse`: a response interceptor on the user's axios instance, for sends
 *   only: the venue answered (and may have executed), the outcome is not yet recorded.
 * - `afterOutcome`: the `outcome` event, emitted after the outcome record is durable and
 *   before the call returns, so the parent never hears of that result.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import {
  binanceSpot,
  createIntentClient,
  extendVenue,
  FileLedger,
  isAmbiguousOutcomeError,
  isIntentError,
  stripe,
  type FileLedgerEvent,
  type IntentClient,
  type OperationDefinition,
} from '../../src/index.js';

/** Which fake venue semantics the driver talks to. */
export type ChaosMode = 'exchange' | 'payments';

/** Named moments at which the driver kills itself; see the file comment. */
export const FAILPOINTS = ['afterCreate', 'afterInFlight', 'afterResponse', 'afterOutcome'] as const;
/** One of {@link FAILPOINTS}. */
export type FailpointName = (typeof FAILPOINTS)[number];

/** Timing of the intentkey client in the driver. Short, because every kill restarts it. */
export const DRIVER_TIMING = {
  /** Per-attempt HTTP timeout, in ms. The fake venue's `delay` fault must hold longer. */
  attemptTimeoutMs: 200,
  /** First backoff delay, in ms. */
  baseDelayMs: 20,
  /** Largest backoff delay, in ms. */
  maxDelayMs: 200,
  /**
   * Exchange mode: how long after the last attempt a "not found" lookup is believed, in
   * ms. The fake exchange executes a write when it arrives and has no request queue, so
   * anything longer than loopback transit is enough; 300 ms leaves a wide margin.
   */
  settleDelayMs: 300,
  /** Budget of one call, in ms. */
  deadlineMs: 20_000,
  /** Sends per call. Payments can meet several 409s while a slow first request runs. */
  maxAttempts: 12,
  /** Reconcile lookups per call. */
  maxLookups: 10,
} as const;

/**
 * How long the driver retries an open refused with `LedgerLockedError`, in ms: the lock's
 * 2 s grace for a half-written lock file, plus a margin for a loaded machine.
 */
const OPEN_RETRY_LIMIT_MS = 4_000;

/** Everything one driver process needs to know. */
export interface DriverConfig {
  readonly url: string;
  readonly mode: ChaosMode;
  /** Ledger directory (ignored by the naive bot). */
  readonly dir: string;
  readonly businessIds: readonly string[];
  readonly naive: boolean;
  /** Calls in flight at once. */
  readonly concurrency: number;
  readonly failpoint: FailpointName | undefined;
  /** Which occurrence of the fail point kills (1 = the first). */
  readonly failpointN: number;
  /** Ledger compaction threshold, in bytes; small values make kills land mid-compaction. */
  readonly compactAfterBytes: number | undefined;
  /**
   * Largest filler added to each stored input, in bytes (0: none). The filler is kept in
   * the ledger but not sent, so ledger records get large (kills then tear the log's last
   * record more often, B3.3) while requests stay small. Its size is derived from the
   * business id, so the fingerprint is the same on every restart.
   */
  readonly paddingBytes: number;
}

/** A call that resolved, as reported to the parent before the driver moves on. */
export interface ResolvedReport {
  readonly type: 'resolved';
  readonly businessId: string;
  /** Empty for the naive bot, which has no intents. */
  readonly intentId: string;
  readonly key: string;
  readonly venueKey: string;
  readonly status: 'succeeded';
  /** True when the result came from the ledger without a network call. */
  readonly replayed: boolean;
  readonly reconciled: boolean;
  readonly attempts: number;
}

/** A call that threw an intentkey error (or, for the naive bot, gave up). */
export interface RejectedReport {
  readonly type: 'rejected';
  readonly businessId: string;
  readonly intentId: string | undefined;
  readonly code: string;
  /** True for `AmbiguousOutcomeError`: the action may have executed; a person must look. */
  readonly ambiguous: boolean;
  readonly message: string;
}

/** What `client.recover()` returned, reduced to what the parent checks. */
export interface RecoveredReport {
  readonly type: 'recovered';
  readonly resumed: number;
  readonly succeeded: number;
  readonly reconciledFound: number;
  readonly resent: number;
  readonly failed: number;
  readonly needsAttention: ReadonlyArray<{ readonly intentId: string; readonly reason: string }>;
}

/** Messages from the driver to the parent. */
export type DriverMessage =
  | { readonly type: 'booted'; readonly pid: number }
  | { readonly type: 'opened'; readonly openMs: number; readonly lockedWaitMs: number }
  | { readonly type: 'lockedOnOpen'; readonly message: string }
  | { readonly type: 'ledgerEvent'; readonly event: FileLedgerEvent }
  | RecoveredReport
  | ResolvedReport
  | RejectedReport
  | { readonly type: 'done'; readonly processed: number }
  | { readonly type: 'fatal'; readonly code: string; readonly message: string };

/** Message from the parent that starts a driver waiting with `--wait-for-go`. */
export interface GoMessage {
  readonly type: 'go';
  readonly argv: readonly string[];
  /** Merged into `process.env` first (fail point settings). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Parses the driver's arguments and fail point environment.
 * @throws Error naming the bad argument (a harness bug, so a plain error is enough).
 */
export function parseDriverArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DriverConfig {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`driver: unexpected argument ${JSON.stringify(arg)}`);
    const name = arg.slice(2);
    if (name === 'naive' || name === 'wait-for-go') {
      switches.add(name);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`driver: --${name} needs a value`);
    flags.set(name, value);
    i++;
  }
  const need = (name: string): string => {
    const v = flags.get(name);
    if (v === undefined) throw new Error(`driver: --${name} is required`);
    return v;
  };
  const mode = need('mode');
  if (mode !== 'exchange' && mode !== 'payments') throw new Error(`driver: --mode must be exchange or payments, got ${mode}`);
  let businessIds: string[];
  const ids = flags.get('ids');
  if (ids !== undefined) businessIds = ids === '' ? [] : ids.split(',');
  else {
    const count = Number(need('count'));
    if (!Number.isInteger(count) || count < 0) throw new Error('driver: --count must be a non-negative integer');
    const prefix = flags.get('prefix') ?? 'action-';
    businessIds = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  }
  const concurrency = Number(flags.get('concurrency') ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('driver: --concurrency must be a positive integer');
  const naive = switches.has('naive');
  const rawFailpoint = env['INTENTKEY_CHAOS_FAILPOINT'];
  let failpoint: FailpointName | undefined;
  if (rawFailpoint !== undefined && rawFailpoint !== '') {
    if (!(FAILPOINTS as readonly string[]).includes(rawFailpoint)) {
      throw new Error(`driver: INTENTKEY_CHAOS_FAILPOINT must be one of ${FAILPOINTS.join(', ')}, got ${rawFailpoint}`);
    }
    failpoint = rawFailpoint as FailpointName;
  }
  const rawN = env['INTENTKEY_CHAOS_FAILPOINT_N'];
  const failpointN = rawN === undefined || rawN === '' ? 1 : Number(rawN);
  if (!Number.isInteger(failpointN) || failpointN < 1) throw new Error('driver: INTENTKEY_CHAOS_FAILPOINT_N must be a positive integer');
  const compact = flags.get('compact-after-bytes');
  const compactAfterBytes = compact === undefined ? undefined : Number(compact);
  if (compactAfterBytes !== undefined && (!Number.isInteger(compactAfterBytes) || compactAfterBytes < 1)) {
    throw new Error('driver: --compact-after-bytes must be a positive integer');
  }
  const paddingBytes = Number(flags.get('padding-bytes') ?? 0);
  if (!Number.isInteger(paddingBytes) || paddingBytes < 0) throw new Error('driver: --padding-bytes must be a non-negative integer');
  return {
    url: need('url'),
    mode,
    dir: naive ? (flags.get('dir') ?? '') : need('dir'),
    businessIds,
    naive,
    concurrency,
    failpoint,
    failpointN,
    compactAfterBytes,
    paddingBytes,
  };
}

/**
 * Sends a message to the parent and resolves once it is written into the channel, so
 * a kill right after cannot take it back. Without a parent it prints one JSON line.
 */
function report(message: DriverMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }
  return new Promise<void>((done, fail) => {
    send(message, undefined, undefined, (error: Error | null) => (error ? fail(error) : done()));
  });
}

/** Counts occurrences of the configured fail point and kills this process at the n-th. */
function createFailpoints(config: DriverConfig): (name: FailpointName) => void {
  let seen = 0;
  return (name) => {
    if (config.failpoint !== name) return;
    seen++;
    // SIGKILL, not exit(): no handler, no flush, no finally block runs, as in a crash.
    if (seen === config.failpointN) process.kill(process.pid, 'SIGKILL');
  };
}

interface ExchangeOrder {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET';
  readonly quantity: string;
  readonly businessId: string;
}

interface Payment {
  readonly amount: number;
  readonly currency: string;
  readonly businessId: string;
}

/** What the operations take: the action plus an optional filler that is stored, never sent. */
type Stored<T> = T & { readonly memo?: string };

function orderFor(businessId: string): ExchangeOrder {
  return { symbol: 'BTCUSDT', side: businessId.length % 2 === 0 ? 'BUY' : 'SELL', type: 'MARKET', quantity: '0.001', businessId };
}

function paymentFor(businessId: string): Payment {
  return { amount: 100 + businessId.length, currency: 'usd', businessId };
}

/** A filler of 0..max bytes whose size depends only on the business id (FNV-1a). */
function paddingFor(businessId: string, max: number): { memo?: string } {
  if (max === 0) return {};
  let h = 0x811c9dc5;
  for (let i = 0; i < businessId.length; i++) h = Math.imul(h ^ businessId.charCodeAt(i), 0x01000193) >>> 0;
  return { memo: 'm'.repeat(h % (max + 1)) };
}

/** The action without its filler: what goes on the wire. */
function withoutMemo<T extends object>(input: Stored<T>): T {
  const { memo: _memo, ...rest } = input;
  return rest as unknown as T;
}

/** Runs `worker` over `items` with at most `concurrency` calls in flight. */
async function pool<T>(items: readonly T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await worker(item);
      }
    }),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function intentIdOf(error: unknown): string | undefined {
  const id = (error as { intentId?: unknown } | null)?.intentId;
  return typeof id === 'string' ? id : undefined;
}

async function runIntentkey(config: DriverConfig): Promise<void> {
  const failpoint = createFailpoints(config);
  const started = performance.now();
  let ledger: FileLedger | undefined;
  let lockedSince: number | undefined;
  // Bounded: a lock or takeover guard left half-written by a killed process is refused
  // for the lock's 2 s grace period (LedgerLockedError, "Try again"). The driver does
  // what the error asks and tells the parent, which counts these waits in its report.
  while (!ledger) {
    try {
      ledger = await FileLedger.open({
        dir: config.dir,
        ...(config.compactAfterBytes === undefined ? {} : { compactAfterBytes: config.compactAfterBytes }),
        // Torn-tail repairs and stale-lock takeovers are what the parent counts; the
        // report is not awaited because open() calls this synchronously.
        onEvent: (event) => void report({ type: 'ledgerEvent', event }).catch(() => undefined),
      });
    } catch (error) {
      const locked = isIntentError(error) && error.code === 'ERR_LEDGER_LOCKED';
      const now = performance.now();
      if (locked && lockedSince === undefined) {
        lockedSince = now;
        await report({ type: 'lockedOnOpen', message: error.message.slice(0, 300) });
      }
      if (!locked || now - (lockedSince ?? now) > OPEN_RETRY_LIMIT_MS) {
        // An open that keeps failing after a crash is what B3 must never see: say so
        // and stop, so the parent records it instead of restarting forever.
        await report({ type: 'fatal', code: isIntentError(error) ? error.code : 'OPEN_FAILED', message: messageOf(error) });
        process.exit(3);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  await report({ type: 'opened', openMs: Math.round(performance.now() - started), lockedWaitMs: lockedSince === undefined ? 0 : Math.round(performance.now() - lockedSince) });

  const http = axios.create({ baseURL: config.url });
  http.interceptors.response.use((response) => {
    if (response.config.intentkey?.purpose === 'send') failpoint('afterResponse');
    return response;
  });
  const venue =
    config.mode === 'exchange'
      ? extendVenue(binanceSpot, { name: 'binance-spot-chaos', reconcile: { settleDelayMs: DRIVER_TIMING.settleDelayMs } })
      : stripe;
  const client: IntentClient = createIntentClient(http, {
    venue,
    ledger,
    attemptTimeoutMs: DRIVER_TIMING.attemptTimeoutMs,
    maxLookups: DRIVER_TIMING.maxLookups,
    retry: {
      maxAttempts: DRIVER_TIMING.maxAttempts,
      baseDelayMs: DRIVER_TIMING.baseDelayMs,
      maxDelayMs: DRIVER_TIMING.maxDelayMs,
      deadlineMs: DRIVER_TIMING.deadlineMs,
    },
  });
  client.on('attemptStarted', () => failpoint('afterInFlight'));
  client.on('outcome', () => failpoint('afterOutcome'));

  // The same names on every run: recover() resumes intents by operation name.
  const call =
    config.mode === 'exchange'
      ? (() => {
          const definition: OperationDefinition<Stored<ExchangeOrder>, unknown> = {
            request: (order, ctx) => {
              if (ctx.attempt === 1) failpoint('afterCreate');
              return { method: 'POST', url: '/api/v3/order', params: withoutMemo(order) };
            },
            reconcile: (order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: order.symbol, origClientOrderId: ctx.venueKey } }),
          };
          const place = client.operation('chaos.order.create', definition);
          return (businessId: string) => place({ ...orderFor(businessId), ...paddingFor(businessId, config.paddingBytes) }, { businessId });
        })()
      : (() => {
          const definition: OperationDefinition<Stored<Payment>, unknown> = {
            request: (payment, ctx) => {
              if (ctx.attempt === 1) failpoint('afterCreate');
              return { method: 'POST', url: '/v1/payments', data: withoutMemo(payment) };
            },
          };
          const pay = client.operation('chaos.payment.create', definition);
          return (businessId: string) => pay({ ...paymentFor(businessId), ...paddingFor(businessId, config.paddingBytes) }, { businessId });
        })();

  const recovered = await client.recover();
  await report({
    type: 'recovered',
    resumed: recovered.resumed,
    succeeded: recovered.succeeded,
    reconciledFound: recovered.reconciledFound,
    resent: recovered.resent,
    failed: recovered.failed,
    needsAttention: recovered.needsAttention.map((n) => ({ intentId: n.intentId, reason: n.reason })),
  });

  let processed = 0;
  await pool(config.businessIds, config.concurrency, async (businessId) => {
    try {
      const result = await call(businessId);
      await report({
        type: 'resolved',
        businessId,
        intentId: result.intentId,
        key: result.key,
        venueKey: result.venueKey,
        status: result.status,
        replayed: result.replayed,
        reconciled: result.reconciled,
        attempts: result.attempts,
      });
    } catch (error) {
      if (!isIntentError(error)) throw error;
      await report({
        type: 'rejected',
        businessId,
        intentId: intentIdOf(error),
        code: error.code,
        ambiguous: isAmbiguousOutcomeError(error),
        message: error.message.slice(0, 300),
      });
    }
    processed++;
  });
  await report({ type: 'done', processed });
  await client.close();
}

/** What a naive bot does: retry transport errors, 5xx and 429 with a new request each time. */
async function naiveHttp(url: string): Promise<AxiosInstance> {
  // Loaded here, not at the top: every intentkey restart would pay for it otherwise.
  const { default: axiosRetry } = await import('axios-retry');
  const http = axios.create({ baseURL: url, timeout: DRIVER_TIMING.attemptTimeoutMs });
  axiosRetry(http, {
    retries: 3,
    retryDelay: () => DRIVER_TIMING.baseDelayMs,
    shouldResetTimeout: true,
    retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429,
  });
  return http;
}

async function runNaive(config: DriverConfig): Promise<void> {
  // Same milestones as the intentkey driver, so the parent can tell where a kill landed;
  // the naive bot has nothing to open and nothing to recover.
  await report({ type: 'opened', openMs: 0, lockedWaitMs: 0 });
  await report({ type: 'recovered', resumed: 0, succeeded: 0, reconciledFound: 0, resent: 0, failed: 0, needsAttention: [] });
  const http = await naiveHttp(config.url);
  let remaining = [...config.businessIds];
  let processed = 0;
  // A few passes over what did not succeed, as a bot's main loop would; bounded.
  for (let pass = 0; pass < 3 && remaining.length > 0; pass++) {
    const failed: string[] = [];
    await pool(remaining, config.concurrency, async (businessId) => {
      try {
        if (config.mode === 'exchange') {
          // The bot keeps one client order id per action; the exchange accepts it again
          // once the first order has filled.
          const response = await http.post<{ clientOrderId?: string }>('/api/v3/order', null, {
            params: { ...orderFor(businessId), newClientOrderId: `naive-${businessId}`.slice(0, 36) },
          });
          await report({ type: 'resolved', businessId, intentId: '', key: '', venueKey: response.data.clientOrderId ?? '', status: 'succeeded', replayed: false, reconciled: false, attempts: 0 });
        } else {
          // A fresh key per call: without a ledger, nothing remembers the last one.
          const key = randomUUID();
          await http.post('/v1/payments', paymentFor(businessId), { headers: { 'Idempotency-Key': key } });
          await report({ type: 'resolved', businessId, intentId: '', key, venueKey: key, status: 'succeeded', replayed: false, reconciled: false, attempts: 0 });
        }
      } catch (error) {
        failed.push(businessId);
        await report({ type: 'rejected', businessId, intentId: undefined, code: 'NAIVE_GAVE_UP', ambiguous: false, message: messageOf(error).slice(0, 300) });
      }
      processed++;
    });
    remaining = failed;
  }
  await report({ type: 'done', processed });
}

function waitForGo(): Promise<GoMessage> {
  return new Promise<GoMessage>((done) => {
    // The parent died or gave up on this standby: nothing to do.
    process.once('disconnect', () => process.exit(0));
    process.once('message', (message: GoMessage) => done(message));
  });
}

async function main(): Promise<void> {
  let argv = process.argv.slice(2);
  if (argv.includes('--wait-for-go')) {
    if (!process.send) throw new Error('driver: --wait-for-go needs an IPC channel');
    const pending = waitForGo();
    await report({ type: 'booted', pid: process.pid });
    const go = await pending;
    Object.assign(process.env, go.env);
    argv = [...go.argv];
  } else {
    await report({ type: 'booted', pid: process.pid });
  }
  const config = parseDriverArgs(argv, process.env);
  if (config.naive) await runNaive(config);
  else await runIntentkey(config);
  // exit() rather than waiting for the event loop: the IPC channel keeps it alive.
  process.exit(0);
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main().catch(async (error: unknown) => {
    await report({ type: 'fatal', code: 'DRIVER_ERROR', message: String((error as Error).stack ?? error) }).catch(() => undefined);
    process.exit(2);
  });
}
