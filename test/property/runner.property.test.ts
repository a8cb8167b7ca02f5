import axios, { AxiosError, AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmbiguousOutcomeError,
  createIntentClient,
  IntentError,
  MemoryLedger,
  RetriesExhaustedError,
  VenueRejectedError,
  type VenueProfile,
} from '../../src/index.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import { testExchange, testPayments } from '../helpers/profiles.js';

/** What the simulated venue does with one write request. */
type WriteBehaviour =
  | 'ok' // executes, answers 200
  | 'executeThenReset' // executes, connection reset after the request was written
  | 'executeThen500' // executes, answers 500
  | 'rateLimited' // 429, not executed
  | 'staleTimestamp' // -1021, not executed
  | 'refused' // ECONNREFUSED, never reached the venue
  | 'rejectFunds'; // definitive rejection, not executed

/** What it does with one lookup. */
type LookupBehaviour = 'answer' | 'error500' | 'reset';

const writeBehaviour = fc.constantFrom<WriteBehaviour>('ok', 'executeThenReset', 'executeThen500', 'rateLimited', 'staleTimestamp', 'refused', 'rejectFunds');
const lookupBehaviour = fc.constantFrom<LookupBehaviour>('answer', 'error500', 'reset');

function transportError(config: InternalAxiosRequestConfig, code: string, bytesWritten: number): AxiosError {
  const error = new AxiosError(`simulated ${code}`, code, config, { socket: { bytesWritten } });
  return error;
}

function respond(config: InternalAxiosRequestConfig, status: number, data: unknown) {
  return { status, statusText: String(status), headers: new AxiosHeaders({ 'content-type': 'application/json' }), config, data };
}

interface World {
  executions: number;
  sends: number;
  lookups: number;
  violations: string[];
}

/**
 * A venue with market-order semantics (a resend of an executed order executes again),
 * driven by scripted behaviours, checking at every send that the ledger already holds
 * the attempt as in flight.
 */
function simulatedVenue(profile: VenueProfile, writes: readonly WriteBehaviour[], lookups: readonly LookupBehaviour[], ledger: MemoryLedger, world: World): AxiosAdapter {
  const keyStore = profile.dedupe.kind === 'keyStore';
  return async (config) => {
    const meta = config.intentkey;
    if (!meta) throw new Error('request without intent metadata');
    if (meta.purpose === 'lookup') {
      const behaviour = lookups[world.lookups++ % Math.max(1, lookups.length)] ?? 'answer';
      if (behaviour === 'reset') throw transportError(config, 'ECONNRESET', 120);
      if (behaviour === 'error500') return respond(config, 500, { code: -1000, msg: 'x' });
      return world.executions > 0 ? respond(config, 200, { status: 'FILLED' }) : respond(config, 400, { code: -2013, msg: 'Order does not exist.' });
    }
    // Write-ahead check: the attempt must be durable as inFlight with this number before any send.
    const record = await ledger.get(meta.intentId);
    if (record?.status !== 'inFlight' || record.attempt !== meta.attempt) {
      world.violations.push(`send of attempt ${meta.attempt} while the ledger held ${record?.status}@${record?.attempt}`);
    }
    const behaviour = writes[world.sends++ % Math.max(1, writes.length)] ?? 'ok';
    if (behaviour === 'refused') throw transportError(config, 'ECONNREFUSED', 0);
    if (behaviour === 'rateLimited') return respond(config, 429, { code: -1003, msg: 'Too many requests' });
    if (behaviour === 'staleTimestamp') return respond(config, 400, { code: -1021, msg: 'Timestamp outside recvWindow' });
    if (behaviour === 'rejectFunds') {
      // A key store replays the first execution instead of judging a resend anew.
      if (keyStore && world.executions > 0) return respond(config, 200, { status: 'FILLED' });
      return respond(config, 400, { code: -2010, msg: 'Account has insufficient balance.', error: { code: 'card_declined' } });
    }
    // The write executes (a key store executes only the first time it sees the key).
    if (!(keyStore && world.executions > 0)) world.executions++;
    if (behaviour === 'executeThenReset') throw transportError(config, 'ECONNRESET', 300);
    if (behaviour === 'executeThen500') return respond(config, 500, { code: -1000, msg: 'unknown' });
    return respond(config, 200, { status: 'FILLED' });
  };
}

async function runOne(profile: VenueProfile, writes: WriteBehaviour[], lookups: LookupBehaviour[], withLookup: boolean, seed: number) {
  const ledger = new MemoryLedger();
  const world: World = { executions: 0, sends: 0, lookups: 0, violations: [] };
  const clock = new ManualClock();
  const instance = axios.create({ adapter: simulatedVenue(profile, writes, lookups, ledger, world) });
  const client = createIntentClient(instance, {
    venue: profile,
    ledger,
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(seed),
    retry: { maxAttempts: 5, deadlineMs: 10 * 60_000 },
    maxLookups: 3,
  });
  const op = client.operation('order.create', {
    request: () => ({ method: 'POST', url: 'http://venue.sim/order', data: { qty: '1' } }),
    ...(withLookup ? { reconcile: () => ({ method: 'GET', url: 'http://venue.sim/order' }) } : {}),
  });
  let outcome: unknown;
  try {
    outcome = await op({}, { businessId: 'the-action' });
  } catch (error) {
    outcome = error;
  }
  const record = (await ledger.listResumable())[0] ?? undefined;
  return { world, outcome, record, ledger };
}

describe('runner invariants under arbitrary fault sequences', () => {
  for (const [name, profile] of [
    ['exchange (open-orders dedupe, lookup by client id)', testExchange],
    ['payments (key store)', testPayments],
  ] as const) {
    it(`${name}: at most one execution, write-ahead always, and the answer matches the venue`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(writeBehaviour, { minLength: 1, maxLength: 8 }),
          fc.array(lookupBehaviour, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          fc.integer(),
          async (writes, lookups, withLookup, seed) => {
            const { world, outcome, ledger } = await runOne(profile, writes, lookups, withLookup, seed);
            const intentId = (outcome as { intentId?: string }).intentId;
            const stored = intentId === undefined ? undefined : await ledger.get(intentId);
            // The ledger agrees with what the caller was told.
            const expectedStatus =
              outcome instanceof VenueRejectedError ? 'failed'
              : outcome instanceof AmbiguousOutcomeError ? 'unknown'
              : outcome instanceof RetriesExhaustedError ? 'pending'
              : 'succeeded';
            expect(stored?.status).toBe(expectedStatus);
            expect(world.violations).toEqual([]);
            expect(world.executions).toBeLessThanOrEqual(1);
            expect(outcome).toSatisfy((o: unknown) => !(o instanceof Error) || o instanceof IntentError);
            if (outcome instanceof VenueRejectedError || outcome instanceof RetriesExhaustedError) expect(world.executions).toBe(0);
            if (!(outcome instanceof Error)) expect(world.executions).toBe(1);
            if (outcome instanceof AmbiguousOutcomeError) expect(world.sends).toBeGreaterThan(0);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('a later call of the same business action never executes it a second time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writeBehaviour, { minLength: 1, maxLength: 6 }), fc.array(lookupBehaviour, { minLength: 1, maxLength: 3 }), fc.integer(), async (writes, lookups, seed) => {
        const ledger = new MemoryLedger();
        const world: World = { executions: 0, sends: 0, lookups: 0, violations: [] };
        const clock = new ManualClock();
        const client = createIntentClient(axios.create({ adapter: simulatedVenue(testExchange, writes, lookups, ledger, world) }), {
          venue: testExchange,
          ledger,
          clock,
          sleep: clock.sleep,
          random: new SeededRandom(seed),
          retry: { maxAttempts: 3 },
          maxLookups: 2,
        });
        const op = client.operation('order.create', {
          request: () => ({ method: 'POST', url: 'http://venue.sim/order', data: {} }),
          reconcile: () => ({ method: 'GET', url: 'http://venue.sim/order' }),
        });
        for (let call = 0; call < 4; call++) await op({}, { businessId: 'same' }).catch(() => undefined);
        expect(world.violations).toEqual([]);
        expect(world.executions).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
