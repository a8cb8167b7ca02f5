/**
 * Child process for the PostgreSQL fleet tests (test/stores/postgres-race.test.ts). Run
 * from the repository root: `node --import tsx test/stores/postgres-worker.ts <json config>`.
 *
 * - `race`: opens a pool and prints `ready`; then for each `go` line on stdin creates and
 *   claims the next `batch` of intents `<prefix>0..count-1` on `connections` lanes at once
 *   and prints `batch`; when stdin ends it prints the ids it created and claimed.
 * - `takeover`: places `count` business actions through an intent client on the fake
 *   venue. When every send has been answered by the venue (so each action executed)
 *   and before any outcome is recorded, it prints the records it holds and stops itself
 *   with SIGSTOP. Resumed (SIGCONT) it lets the calls go on, then tries a stale write of
 *   its own for each intent, and prints how every one of them ended.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import pg from 'pg';
import { binanceSpot, createIntentClient, extendVenue, isIntentError, stripe, type IntentClient } from '../../src/index.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';

/** What the parent passes as the one argument. */
export type WorkerConfig =
  | { readonly kind: 'race'; readonly databaseUrl: string; readonly table: string; readonly owner: string; readonly prefix: string; readonly count: number; readonly batch: number; readonly connections: number }
  | {
      readonly kind: 'takeover';
      readonly databaseUrl: string;
      readonly table: string;
      readonly owner: string;
      readonly venueUrl: string;
      readonly mode: 'exchange' | 'payments';
      readonly businessIds: readonly string[];
      readonly leaseMs: number;
    };

/** One line of the takeover worker's final report per business id. */
export interface TakeoverLine {
  readonly businessId: string;
  /** How the client call ended: `ok` or an intentkey error code. */
  readonly call: string;
  /** How the raw stale write with the epoch held before the stop ended. */
  readonly staleWrite: string;
}

/** An intent client for the fake venue in `mode`, on `ledger`; the operation names match across processes. */
export function fleetClient(
  http: AxiosInstance,
  mode: 'exchange' | 'payments',
  ledger: PostgresLedger,
  workerId: string,
  leaseMs: number,
): { client: IntentClient; place: (businessId: string) => Promise<unknown> } {
  const venue = mode === 'exchange' ? extendVenue(binanceSpot, { name: 'binance-spot-fleet', reconcile: { settleDelayMs: 200 } }) : stripe;
  const client = createIntentClient(http, {
    venue,
    ledger,
    workerId,
    leaseMs,
    attemptTimeoutMs: 2_000,
    retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200, deadlineMs: 20_000 },
  });
  if (mode === 'exchange') {
    const op = client.operation<{ businessId: string }>('fleet.order.create', {
      request: (order) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', businessId: order.businessId } }),
      reconcile: (_order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: ctx.venueKey } }),
    });
    return { client, place: (businessId) => op({ businessId }, { businessId }) };
  }
  const op = client.operation<{ businessId: string }>('fleet.payment.create', {
    request: (payment) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, currency: 'usd', businessId: payment.businessId } }),
  });
  return { client, place: (businessId) => op({ businessId }, { businessId }) };
}

const line = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

const codeOf = (error: unknown): string => (isIntentError(error) ? error.code : error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function race(config: Extract<WorkerConfig, { kind: 'race' }>): Promise<void> {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.connections });
  const ledger = await PostgresLedger.open({ pool, table: config.table, reapEveryMs: 0, migrate: false });
  // Open every connection before the start signal, so the race is not against connecting.
  const clients = await Promise.all(Array.from({ length: config.connections }, () => pool.connect()));
  for (const c of clients) c.release();
  line({ type: 'ready' });
  const created: string[] = [];
  const claimed: string[] = [];
  // One batch per `go` line: every process starts a batch at the same moment (the parent
  // waits for all of them between batches), so each intent is raced for, not just
  // picked up by whichever process happens to be ahead.
  let base = 0;
  for await (const _go of createInterface({ input: process.stdin })) {
    const end = Math.min(base + config.batch, config.count);
    let next = base;
    await Promise.all(
      Array.from({ length: config.connections }, async (_, lane) => {
        while (next < end) {
          const id = `${config.prefix}${next++}`;
          const now = Date.now();
          const c = await ledger.create({ id, scope: 's', operation: 'race', venue: 'v', key: id, venueKey: id, fingerprint: 'f', input: { id }, createdAt: now }, now);
          if (c.created) created.push(id);
          const k = await ledger.claim(id, { owner: `${config.owner}/${lane}`, leaseMs: 600_000, now: Date.now() });
          if (k.claimed) claimed.push(id);
        }
      }),
    );
    base = end;
    line({ type: 'batch', done: base });
  }
  line({ type: 'result', created, claimed });
  await pool.end();
}

async function takeover(config: Extract<WorkerConfig, { kind: 'takeover' }>): Promise<void> {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  const ledger = await PostgresLedger.open({ pool, table: config.table, reapEveryMs: 0, migrate: false });
  const http = axios.create({ baseURL: config.venueUrl });
  const total = config.businessIds.length;
  let answered = 0;
  let release!: () => void;
  const allAnswered = new Promise<void>((r) => (release = r));
  http.interceptors.response.use(async (response) => {
    if (response.config.intentkey?.purpose !== 'send') return response;
    answered++;
    if (answered === total) {
      // Every action has executed at the venue; none is recorded. Report what this
      // worker holds, then freeze as a paused VM or a long GC would.
      const held = (await ledger.listResumable()).map((r) => ({ id: r.id, status: r.status, epoch: r.epoch, leaseOwner: r.leaseOwner, leaseExpiresAt: r.leaseExpiresAt }));
      line({ type: 'stopping', held });
      process.kill(process.pid, 'SIGSTOP');
      release();
    }
    await allAnswered;
    return response;
  });
  const { client, place } = fleetClient(http, config.mode, ledger, config.owner, config.leaseMs);
  const calls = await Promise.allSettled(config.businessIds.map((b) => place(b)));
  const report: TakeoverLine[] = [];
  for (const [i, businessId] of config.businessIds.entries()) {
    const call = calls[i];
    const settled = await findByBusinessId(pool, config.table, businessId, ledger);
    let staleWrite = 'no record';
    if (settled) {
      // The write this worker would have made with the epoch it held before the stop.
      staleWrite = await ledger
        .transition(settled.id, { expectStatus: 'inFlight', expectEpoch: 1, to: 'succeeded', outcome: { kind: 'success', reason: 'stale' }, now: Date.now() })
        .then(() => 'accepted', codeOf);
    }
    report.push({ businessId, call: call?.status === 'fulfilled' ? 'ok' : codeOf(call?.reason), staleWrite });
  }
  line({ type: 'result', report });
  await client.close();
  await pool.end();
}

/** The record of a business action, whatever its status (test tables hold few rows). */
async function findByBusinessId(pool: pg.Pool, table: string, businessId: string, ledger: PostgresLedger): Promise<Awaited<ReturnType<PostgresLedger['get']>>> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM "${table}" WHERE business_id = $1`, [businessId]);
  return rows[0] ? ledger.get(rows[0].id) : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  (config.kind === 'race' ? race(config) : takeover(config)).then(
    () => process.exit(0),
    (error: unknown) => {
      line({ type: 'fatal', error: codeOf(error) });
      process.exit(1);
    },
  );
}
