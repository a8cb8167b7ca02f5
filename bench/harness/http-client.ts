/**
 * One HTTP benchmark cell, run in a fresh child process: one client variant at one
 * concurrency. Warm-up first (connections opened, code paths compiled), then a timed
 * phase of a fixed request count. Reports req/s, latency percentiles, client CPU per
 * request (`process.cpuUsage()`, which counts every thread of the process, so the file
 * ledger's writer thread is included) and peak RSS. With `profileFile`, the timed phase
 * runs under V8's sampling profiler and the profile is written there.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import type { FileLedgerOptions, IntentClient, LedgerStore } from '../../src/index.js';
import { VARIANT_UNAVAILABLE, type HttpCellInput, type HttpCellResult } from './cells.js';
import { peakRssMb, serveChild } from './child.js';
import { latencySummaryUs, runConcurrent } from './stats.js';

/** The body every variant posts: a small order, as in the baseline measurements. */
function orderBody(i: number): Record<string, unknown> {
  return { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '50000.00', timeInForce: 'GTC', clientRef: i };
}

interface Variant {
  send(i: number): Promise<unknown>;
  close(): Promise<void>;
  note?: string;
  /**
   * Runs after the measurement (its RSS and CPU already taken): checks that the variant
   * measured what it claims; throws a {@link VARIANT_UNAVAILABLE} error otherwise.
   */
  verify?(): Promise<void>;
}

/** The error a cell throws when its variant does not exist on this code: reported, not a failure. */
function unavailable(message: string): Error {
  return Object.assign(new Error(message), { name: VARIANT_UNAVAILABLE });
}

/**
 * The fewest group commits (`flush` observations) that completed before one sequential
 * request resolved, over `tries` requests with indices from `firstIndex`: the flushes a
 * request waits for at c=1.
 */
async function awaitedFlushes(ledger: LedgerStore, send: (i: number) => Promise<unknown>, firstIndex: number, tries = 3): Promise<number> {
  if (!ledger.observe) throw new Error('the ledger cannot be observed');
  let flushes = 0;
  const stop = ledger.observe((o) => {
    if (o.type === 'flush') flushes++;
  });
  let fewest = Number.POSITIVE_INFINITY;
  try {
    for (let k = 0; k < tries; k++) {
      flushes = 0;
      await send(firstIndex + k);
      fewest = Math.min(fewest, flushes);
    }
  } finally {
    stop();
  }
  return fewest;
}

/**
 * The lazy-outcome FileLedger: opened with `outcomeDurability: 'lazy'`. The option is
 * passed through whether or not this code's FileLedger knows it; the variant counts as
 * unavailable when FileLedger.open rejects it or never reads it, and (checked by
 * `verify`, after the measurement) when a request waits for as many flushes as with the
 * default FileLedger, i.e. the option changed nothing.
 */
async function lazyFileVariant(input: HttpCellInput, http: AxiosInstance): Promise<Variant> {
  const { FileLedger } = await import('../../src/index.js');
  const dir = mkdtempSync(join(input.tmpDir, 'intentkey-bench-http-'));
  const cleanup = async (): Promise<void> => rmSync(dir, { recursive: true, force: true });
  let read = false;
  const options = { dir } as FileLedgerOptions;
  // A getter, so that an open which ignores the option can be told from one that reads it.
  Object.defineProperty(options, 'outcomeDurability', {
    enumerable: true,
    get: () => {
      read = true;
      return 'lazy';
    },
  });
  let ledger: Awaited<ReturnType<typeof FileLedger.open>>;
  try {
    ledger = await FileLedger.open(options);
  } catch (error) {
    await cleanup();
    throw unavailable(`FileLedger.open rejected outcomeDurability: 'lazy' (${(error as Error).message})`);
  }
  if (!read) {
    await ledger.close();
    await cleanup();
    throw unavailable("FileLedger.open does not read the option outcomeDurability");
  }
  const variant = await intentkeyVariant(http, ledger, cleanup);
  // Probe indices lie past the timed and warm-up ranges.
  const probeAt = input.requests + input.warmup;
  let lazy: number;
  try {
    lazy = await awaitedFlushes(ledger, (i) => variant.send(i), probeAt);
  } catch (error) {
    await variant.close();
    throw error;
  }
  return {
    ...variant,
    note: `outcomeDurability 'lazy': ${lazy} flush(es) awaited per request at c=1`,
    verify: async () => {
      // The same probe on a default FileLedger, after the timed phase so it costs the cell nothing.
      const eagerDir = mkdtempSync(join(input.tmpDir, 'intentkey-bench-http-'));
      const eagerLedger = await FileLedger.open({ dir: eagerDir });
      const eager = await intentkeyVariant(http, eagerLedger, async () => rmSync(eagerDir, { recursive: true, force: true }));
      let eagerFlushes: number;
      try {
        eagerFlushes = await awaitedFlushes(eagerLedger, (i) => eager.send(i), probeAt);
      } finally {
        await eager.close();
      }
      if (lazy >= eagerFlushes) throw unavailable(`outcomeDurability 'lazy' changed nothing: ${lazy} flush(es) awaited per request, ${eagerFlushes} with the default`);
    },
  };
}

async function intentkeyVariant(
  http: AxiosInstance,
  ledger: LedgerStore,
  cleanup: () => Promise<void>,
  note?: string,
  instrument?: (client: IntentClient) => Promise<() => Promise<void>>,
): Promise<Variant> {
  const { createIntentClient, ietfIdempotencyKey } = await import('../../src/index.js');
  const client = createIntentClient(http, { venue: ietfIdempotencyKey, ledger });
  const uninstall = instrument === undefined ? undefined : await instrument(client);
  const placeOrder = client.operation('order.create', {
    request: (order: Record<string, unknown>) => ({ method: 'POST', url: '/order', data: order }),
  });
  // Business ids are unique per request (and per cell: every cell has a fresh ledger),
  // as in real use where each order is its own business action.
  const run = randomBytes(4).toString('hex');
  return {
    send: (i) => placeOrder(orderBody(i), { businessId: `bench-${run}-${i}` }),
    close: async () => {
      await uninstall?.();
      await client.close();
      await cleanup();
    },
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * OpenTelemetry on, as a user would run it: a tracer provider exporting every span
 * through a batch processor (to an exporter that drops them) and a meter provider,
 * with intentkey/otel's spans, events and instruments.
 */
async function withOpenTelemetry(client: IntentClient): Promise<() => Promise<void>> {
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { instrumentIntentClient } = await import('../../src/otel/index.js');
  const dropAll = { export: (_spans: unknown, done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: async () => undefined };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
  const meterProvider = new MeterProvider();
  const uninstall = instrumentIntentClient(client, { tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') });
  return async () => {
    uninstall();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

/**
 * Builds the variant. Modules are imported only by the variant that uses them, so the
 * peak RSS of a cell holds only what that variant loads (plus axios and the harness).
 */
async function setUp(input: HttpCellInput, http: AxiosInstance): Promise<Variant> {
  const post = (i: number): Promise<unknown> => http.post('/order', orderBody(i));
  switch (input.variant) {
    case 'axios':
      return { send: post, close: async () => undefined };
    case 'axios-retry': {
      const { default: axiosRetry, exponentialDelay, isNetworkError } = await import('axios-retry');
      // Configured as a user would for writes: retry network errors and 5xx, with backoff.
      // Nothing fails here, so this measures the interceptors' cost only.
      axiosRetry(http, {
        retries: 5,
        retryDelay: exponentialDelay,
        retryCondition: (error) => isNetworkError(error) || (error.response?.status ?? 0) >= 500,
      });
      return { send: post, close: async () => undefined };
    }
    case 'floor': {
      const { floorCall } = await import('./floor.js');
      const call = floorCall(http, '/order');
      const run = randomBytes(4).toString('hex');
      return { send: (i) => call(orderBody(i), `bench-${run}-${i}`), close: async () => undefined };
    }
    case 'p-retry': {
      const { default: pRetry } = await import('p-retry');
      return { send: (i) => pRetry(() => post(i), { retries: 5 }), close: async () => undefined };
    }
    case 'intentkey-memory': {
      const { MemoryLedger } = await import('../../src/index.js');
      return intentkeyVariant(http, new MemoryLedger(), async () => undefined);
    }
    case 'intentkey-memory-otel': {
      const { MemoryLedger } = await import('../../src/index.js');
      return intentkeyVariant(http, new MemoryLedger(), async () => undefined, 'with OpenTelemetry traces and metrics', withOpenTelemetry);
    }
    case 'intentkey-file': {
      const { FileLedger } = await import('../../src/index.js');
      const dir = mkdtempSync(join(input.tmpDir, 'intentkey-bench-http-'));
      const ledger = await FileLedger.open({ dir });
      return intentkeyVariant(http, ledger, async () => rmSync(dir, { recursive: true, force: true }));
    }
    case 'intentkey-file-lazy':
      return lazyFileVariant(input, http);
    case 'intentkey-redis': {
      if (input.redisUrl === undefined) throw new Error('REDIS_URL is not set');
      const [{ Redis }, { RedisLedger }] = await Promise.all([import('ioredis'), import('../../src/stores/redis/index.js')]);
      const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined);
      const prefix = `intentkey-bench:${randomBytes(6).toString('hex')}:`;
      // A server without `appendfsync always` is accepted here and reported as volatile:
      // its numbers are then not those of a durable ledger.
      const ledger = await RedisLedger.open({ client: redis, prefix, allowVolatileServer: true });
      const note = ledger.capabilities.durable ? 'durable server' : `volatile server (${ledger.persistence.problems.join('; ')})`;
      return intentkeyVariant(
        http,
        ledger,
        async () => {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await redis.del(...keys);
          } while (cursor !== '0');
          redis.disconnect();
        },
        note,
      );
    }
    case 'intentkey-postgres': {
      if (input.databaseUrl === undefined) throw new Error('DATABASE_URL is not set');
      const [{ default: pg }, { PostgresLedger }] = await Promise.all([import('pg'), import('../../src/stores/postgres/index.js')]);
      const pool = new pg.Pool({ connectionString: input.databaseUrl, max: Math.min(10, input.concurrency) });
      const table = `intentkey_bench_${randomBytes(6).toString('hex')}`;
      const ledger = await PostgresLedger.open({ pool, table, reapEveryMs: 0 });
      const settings = await pool.query<{ fsync: string; synchronous_commit: string }>(
        "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
      );
      const row = settings.rows[0];
      return intentkeyVariant(
        http,
        ledger,
        async () => {
          await pool.query(`DROP TABLE IF EXISTS "${table}"`);
          await pool.end();
        },
        `pool of ${Math.min(10, input.concurrency)}, fsync=${row?.fsync ?? '?'}, synchronous_commit=${row?.synchronous_commit ?? '?'}`,
      );
    }
  }
}

/** V8's sampling interval for `--profile` cells, µs (node's --cpu-prof default is 1000). */
const PROFILE_INTERVAL_US = 250;

/** Starts V8's CPU profiler on this thread (the main thread only: a ledger's writer thread is not in it); `stopTo` stops it and writes the `.cpuprofile`. */
async function startProfiler(): Promise<{ stopTo(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
  await session.post('Profiler.start');
  return {
    async stopTo(file) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function runCell(input: HttpCellInput): Promise<HttpCellResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency });
  const http = axios.create({ baseURL: input.url, httpAgent: agent, timeout: 30_000 });
  const variant = await setUp(input, http);
  try {
    const setupRssMb = process.memoryUsage.rss() / 2 ** 20;
    // Warm-up requests use indices past the timed range, so no business id repeats.
    const warm = await runConcurrent(input.warmup, input.concurrency, (i) => variant.send(input.requests + i), input.timeLimitMs);
    if (warm.errors > 0) throw new Error(`warm-up failed: ${warm.errors} error(s), first: ${warm.firstError ?? '?'}`);
    const profiler = input.profileFile === undefined ? undefined : await startProfiler();
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    const timed = await runConcurrent(input.requests, input.concurrency, (i) => variant.send(i), input.timeLimitMs);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    // Taken before the profile is serialised, which would add its own memory.
    const peak = peakRssMb();
    if (profiler && input.profileFile !== undefined) await profiler.stopTo(input.profileFile);
    const latency = latencySummaryUs(timed.latenciesNs);
    const result: HttpCellResult = {
      completed: timed.completed,
      errors: timed.errors,
      ...(timed.firstError === undefined ? {} : { firstError: timed.firstError }),
      timedOut: timed.timedOut,
      wallMs,
      reqPerS: (timed.completed / wallMs) * 1000,
      ...latency,
      cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, timed.completed),
      peakRssMb: peak,
      setupRssMb,
      ...(variant.note === undefined ? {} : { note: variant.note }),
    };
    await variant.verify?.();
    return result;
  } finally {
    await variant.close();
    agent.destroy();
  }
}

serveChild(runCell);
