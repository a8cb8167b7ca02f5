import assert from 'node:assert/strict';
import { ConfigurationError, isIntentError, type IntentErrorCode } from '../errors/index.js';
import type { IntentRecord, IntentStatus } from '../ledger/intent.js';
import { INTENT_STATUSES, TERMINAL_STATUSES } from '../ledger/intent.js';
import type { ClaimResumableRequest, LedgerStore, ListRecordsQuery, TransitionRequest } from '../ledger/ledger-store.js';
import { isAllowedTransition, RESUMABLE_STATUSES } from '../ledger/transitions.js';
import { DRAFT_CREATED_AT, draftOf } from './ledger-drafts.js';

/**
 * The two functions of a test runner the contract suite needs. Vitest's and Jest's
 * `describe`/`it`, Mocha's, and `node:test`'s all fit, so the suite runs under any of
 * them and intentkey depends on none. Assertions use `node:assert`: a failed check
 * throws, which every runner reports as a failed test.
 *
 * To skip the whole suite when a server is not configured, pass a conditional
 * `describe`, e.g. vitest's `describe.runIf(Boolean(process.env.DATABASE_URL))`.
 */
export interface LedgerContractTestApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * One store under test, fresh and empty, as a {@link LedgerContractFactory} returns it.
 * Every test gets its own subject and disposes it, so tests never see each other's data.
 */
export interface LedgerContractSubject {
  /** The store under test, holding no intents. */
  readonly store: LedgerStore;
  /**
   * Opens another handle on the same storage (for a server store: another connection or
   * client). Required when `store.capabilities.shared` is true: the suite checks that two
   * handles exclude each other. The suite closes what it opens.
   */
  readonly openPeer?: () => Promise<LedgerStore>;
  /**
   * Opens the same storage again after `store` (and every peer) was closed. Required when
   * `store.capabilities.durable` is true: the suite checks that acknowledged changes
   * survive. The suite closes what it opens.
   */
  readonly reopen?: () => Promise<LedgerStore>;
  /**
   * Removes what the subject created (a temporary directory, table or key prefix). Called
   * once after the test, whatever its result, after the suite closed its stores.
   */
  readonly dispose?: () => Promise<void>;
}

/** Makes a fresh, empty {@link LedgerContractSubject}; called once per test. */
export type LedgerContractFactory = () => Promise<LedgerContractSubject>;

/**
 * The groups of the contract suite, in the order they run. Each is registered as a
 * `describe` named exactly as the group, inside the suite's `LedgerStore contract: <name>`:
 * - `create`: create (plain and with an in-flight start) stores exactly the draft and keeps
 *   the first record; `get`; records are copies.
 * - `claim`: claim, renewal, refusal and takeover of leases, the epoch bump, release, and
 *   the batch `claimResumable`.
 * - `transitions`: compare-and-set on status and epoch, fencing after a takeover, the state
 *   machine, attempt numbers, outcomes, `releaseLease`, `unknown -> unknown`.
 * - `listing`: `listResumable` and `list` (filters, order, limit, copies).
 * - `durability`: acknowledged changes survive close and reopen (durable stores only).
 * - `races`: concurrent creates, claims, transitions and batch claims, and exclusion across
 *   two handles (shared stores only).
 * - `lifecycle`: declared capabilities, and `close`.
 */
export const LEDGER_CONTRACT_GROUPS = ['create', 'claim', 'transitions', 'listing', 'durability', 'races', 'lifecycle'] as const;

/** The name of one group of the contract suite: one of {@link LEDGER_CONTRACT_GROUPS}. */
export type LedgerContractGroup = (typeof LEDGER_CONTRACT_GROUPS)[number];

/** Options of {@link describeLedgerContract}. */
export interface LedgerContractOptions {
  /**
   * The groups to register, e.g. `['create', 'claim']` while a store is being written; the
   * others are not registered at all. Order and repeats do not matter: groups always run in
   * the order of {@link LEDGER_CONTRACT_GROUPS}. An empty list or an unknown name throws a
   * `ConfigurationError` naming the valid groups, before anything is registered.
   * @default every group ({@link LEDGER_CONTRACT_GROUPS})
   */
  readonly groups?: readonly LedgerContractGroup[];
  /**
   * Concurrent callers in the race checks (creates, claims, transitions on the same intent).
   * @default 16
   */
  readonly racers?: number;
  /**
   * Fail the `list` checks when the store has no `list` method (it is optional in
   * {@link LedgerStore}). Without it a store lacking `list` passes them vacuously. Every
   * store intentkey ships sets it.
   * @default false
   */
  readonly requireList?: boolean;
  /**
   * Fail the `claimResumable` checks when the store has no `claimResumable` method (it is
   * optional in {@link LedgerStore}). Without it a store lacking the method passes them
   * vacuously. Every store intentkey ships sets it.
   * @default false
   */
  readonly requireClaimResumable?: boolean;
}

/** Epoch ms the suite's timestamps start at (and its drafts' default `createdAt`). */
const T0 = DRAFT_CREATED_AT;

/** Asserts that `promise` rejects with an intentkey error carrying `code`. */
async function rejectsWithCode(promise: Promise<unknown>, code: IntentErrorCode, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isIntentError(error), `${what}: expected an intentkey error with code ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `${what}: error code`);
    return true;
  });
}

/** Asserts that `promise` rejects with any ledger error (code `ERR_LEDGER_*`). */
async function rejectsWithLedgerError(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isIntentError(error) && error.code.startsWith('ERR_LEDGER_'), `${what}: expected a ledger error, got ${String(error)}`);
    return true;
  });
}

/** A transition request; `attempt` is added only for `inFlight`. */
function move(from: IntentStatus, epoch: number, to: IntentStatus, now: number, attempt?: number, extra: Partial<TransitionRequest> = {}): TransitionRequest {
  return { expectStatus: from, expectEpoch: epoch, to, now, ...(attempt === undefined ? {} : { attempt }), ...extra };
}

/**
 * Drives a fresh intent to `status` along allowed edges, at epoch 0; returns the record.
 * `pending`: as created; others through `inFlight` (attempt 1).
 */
async function driveTo(store: LedgerStore, id: string, status: IntentStatus): Promise<IntentRecord> {
  let record = (await store.create(draftOf(id), T0)).record;
  if (status === 'pending') return record;
  record = await store.transition(id, move('pending', 0, 'inFlight', T0 + 1, 1));
  if (status === 'inFlight') return record;
  return store.transition(id, move('inFlight', 0, status, T0 + 2, undefined, { outcome: { kind: status, reason: `test ${status}` } }));
}

/** The intents of the `list` checks: id, createdAt, status, scope, operation. */
const LIST_PLAN: ReadonlyArray<readonly [string, number, IntentStatus, string, string]> = [
  ['b', T0 + 10, 'pending', 'acct-1', 'order.create'],
  ['a', T0 + 10, 'succeeded', 'acct-1', 'order.create'],
  ['é', T0 + 10, 'unknown', 'acct-1', 'order.create'],
  ['Z', T0 + 10, 'failed', `acct-'2"`, 'order.create'],
  ['d', T0 + 5, 'unknown', 'acct-1', 'order.cancel'],
  ['e', T0 + 30, 'inFlight', `acct-'2"`, 'order.cancel'],
  ['f', T0 + 1, 'succeeded', 'acct-1', 'order.cancel'],
  ['g', T0 + 20, 'pending', 'acct-1', 'order.create'],
  ['h*[?]%_\\', T0 + 11, 'failed', `acct-'2"`, 'order.create'],
];

/** Every id of {@link LIST_PLAN}, oldest first, ties in code-unit order. */
const LIST_ORDER = ['f', 'd', 'Z', 'a', 'b', 'é', 'h*[?]%_\\', 'g', 'e'];

/** Creates the intents of {@link LIST_PLAN} and drives each to its status; the last change is at `createdAt + 2`. */
async function seedListPlan(store: LedgerStore): Promise<void> {
  for (const [id, createdAt, status, scope, operation] of LIST_PLAN) {
    await store.create(draftOf(id, createdAt, { scope, operation }), createdAt);
    if (status === 'pending') continue;
    await store.transition(id, move('pending', 0, 'inFlight', createdAt + 1, 1));
    if (status !== 'inFlight') await store.transition(id, move('inFlight', 0, status, createdAt + 2, undefined, { outcome: { kind: status, reason: `test ${status}`, result: { id } } }));
  }
}

/** The valid group names, quoted, for error messages. */
const GROUP_LIST = LEDGER_CONTRACT_GROUPS.map((g) => `"${g}"`).join(', ');

/** Validates the `groups` option; resolves the set of groups to register (every group when absent). */
function selectGroups(groups: unknown): ReadonlySet<LedgerContractGroup> {
  if (groups === undefined) return new Set(LEDGER_CONTRACT_GROUPS);
  const path = 'describeLedgerContract(options).groups';
  if (!Array.isArray(groups)) {
    throw new ConfigurationError({ path, expected: `an array of group names (${GROUP_LIST})`, received: groups === null ? 'null' : typeof groups });
  }
  if (groups.length === 0) {
    throw new ConfigurationError({ path, expected: `at least one of ${GROUP_LIST} (omit groups to run them all)`, received: 'an empty array' });
  }
  for (const [i, group] of (groups as unknown[]).entries()) {
    if (!(LEDGER_CONTRACT_GROUPS as readonly unknown[]).includes(group)) {
      const received = typeof group === 'string' ? JSON.stringify(group.slice(0, 40)) : group === null ? 'null' : typeof group;
      throw new ConfigurationError({ path: `${path}[${i}]`, expected: `one of ${GROUP_LIST}`, received });
    }
  }
  return new Set(groups as LedgerContractGroup[]);
}

/**
 * Registers the {@link LedgerStore} contract suite: the behaviour the client relies on,
 * checked against any store. intentkey runs it against its memory, file, PostgreSQL and
 * Redis stores; a third-party store runs it the same way:
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { describeLedgerContract } from 'intentkey/testing';
 *
 * describeLedgerContract('MyLedger', { describe, it }, async () => {
 *   const prefix = `t${Date.now()}`;
 *   return {
 *     store: await MyLedger.open({ prefix }),
 *     openPeer: () => MyLedger.open({ prefix }),
 *     reopen: () => MyLedger.open({ prefix }),
 *     dispose: () => dropEverythingUnder(prefix),
 *   };
 * });
 * ```
 *
 * What it checks: create is atomic and keeps the first record; reads return copies;
 * claims take, refuse, renew and take over leases and bump the epoch; every transition
 * is a compare-and-set on status and epoch that follows the state machine; release only
 * drops a matching lease; `listResumable` order; an unknown intent recording new
 * evidence (`unknown -> unknown`); `list` filters, order, limit and copies (when the
 * store has `list`, or always with `requireList`); `claimResumable` order, limit, lease
 * and parking rules, filters and exclusion under concurrency (when the store has it, or
 * always with `requireClaimResumable`); close. Shared stores are checked
 * across two handles, durable ones across a reopen.
 *
 * The checks come in groups ({@link LEDGER_CONTRACT_GROUPS}), each a `describe` named as
 * the group. Every group is registered unless `options.groups` selects some, e.g. while a
 * store is being written:
 *
 * ```ts
 * describeLedgerContract('MyLedger', { describe, it }, factory, { groups: ['create', 'claim'] });
 * ```
 *
 * @throws ConfigurationError when `options.groups` is empty or names an unknown group.
 */
export function describeLedgerContract(name: string, api: LedgerContractTestApi, factory: LedgerContractFactory, options: LedgerContractOptions = {}): void {
  const selected = selectGroups(options.groups);
  const racers = options.racers ?? 16;
  const requireList = options.requireList ?? false;

  /** The store's `list`, or `undefined` (the check then passes) when it has none and none is required. */
  const listOf = (store: LedgerStore): ((query: ListRecordsQuery) => Promise<IntentRecord[]>) | undefined => {
    if (store.list === undefined) {
      assert.ok(!requireList, 'the store has no list method, and requireList says it must');
      return undefined;
    }
    return (query) => (store.list as (q: ListRecordsQuery) => Promise<IntentRecord[]>).call(store, query);
  };

  /** The store's `claimResumable`, or `undefined` (the check then passes) when it has none and none is required. */
  const requireClaimResumable = options.requireClaimResumable ?? false;
  const claimResumableOf = (store: LedgerStore): ((request: ClaimResumableRequest) => Promise<IntentRecord[]>) | undefined => {
    if (store.claimResumable === undefined) {
      assert.ok(!requireClaimResumable, 'the store has no claimResumable method, and requireClaimResumable says it must');
      return undefined;
    }
    return (request) => (store.claimResumable as (r: ClaimResumableRequest) => Promise<IntentRecord[]>).call(store, request);
  };

  /** Runs `body` on a fresh subject; closes every store it opened and disposes the subject. */
  const test = (title: string, body: (subject: LedgerContractSubject, opened: LedgerStore[]) => Promise<void>): void => {
    api.it(title, async () => {
      const subject = await factory();
      const opened: LedgerStore[] = [subject.store];
      try {
        await body(subject, opened);
      } finally {
        for (const s of opened) await s.close().catch(() => undefined);
        await subject.dispose?.();
      }
    });
  };

  const groups: Record<LedgerContractGroup, () => void> = {
    create: () => {
      test('create stores a pending intent at attempt 0 and epoch 0, every draft field unchanged', async ({ store }) => {
        const draft = draftOf('c1', T0, {
          expiresAt: T0 + 86_400_000,
          input: { nested: { list: [1, 2.5, -3, null, true, 'x'], empty: {}, text: 'çé ✓ "quoted" \\ \n' }, big: 9_007_199_254_740_991 },
        });
        const { created, record } = await store.create(draft, T0 + 5);
        assert.equal(created, true);
        const expected: IntentRecord = { ...draft, status: 'pending', attempt: 0, epoch: 0, updatedAt: T0 + 5 };
        assert.deepStrictEqual(record, expected);
        assert.deepStrictEqual(await store.get('c1'), expected);
        const { businessId: _b, expiresAt: _e, ...bare } = draftOf('c2');
        const second = await store.create(bare, T0);
        assert.deepStrictEqual(second.record, { ...bare, status: 'pending', attempt: 0, epoch: 0, updatedAt: T0 }, 'optional fields stay absent');
      });

      test('a second create of the same id returns the stored record unchanged', async ({ store }) => {
        const first = await store.create(draftOf('d1'), T0);
        const other = { ...draftOf('d1'), fingerprint: 'another', key: 'another', input: { other: true } };
        const second = await store.create(other, T0 + 1000);
        assert.equal(second.created, false);
        assert.deepStrictEqual(second.record, first.record);
        assert.deepStrictEqual(await store.get('d1'), first.record);
      });

      test('get of an unknown id resolves undefined', async ({ store }) => {
        assert.equal(await store.get('nope'), undefined);
      });

      test('records are copies: changing a returned record or the draft changes nothing stored', async ({ store }) => {
        const draft = draftOf('m1');
        const { record } = await store.create(draft, T0);
        (record.input as { qty: string }).qty = '999';
        (draft.input as { qty: string }).qty = '777';
        const fetched = await store.get('m1');
        assert.deepStrictEqual(fetched?.input, draftOf('m1').input);
        (fetched?.input as { qty: string }).qty = '555';
        assert.deepStrictEqual((await store.get('m1'))?.input, draftOf('m1').input);
      });

      test('create with an in-flight start stores exactly what create, claim and the first in-flight transition would', async ({ store }) => {
        const outcome = { kind: 'inFlight', reason: 'attempt in flight', correlationId: 'corr-1', settleAt: T0 + 9_000 };
        // The long way, on one intent.
        await store.create(draftOf('s-long'), T0 + 5);
        await store.claim('s-long', { owner: 'w1', leaseMs: 1_000, now: T0 + 5 });
        const long = await store.transition('s-long', move('pending', 1, 'inFlight', T0 + 5, 1, { outcome }));
        // The one write, on another.
        const short = await store.create(draftOf('s-short'), T0 + 5, { owner: 'w1', leaseMs: 1_000, outcome });
        assert.equal(short.created, true);
        const sameFieldsAs = (r: IntentRecord, id: string): IntentRecord => ({ ...r, ...draftOf(id) });
        assert.deepStrictEqual(short.record, sameFieldsAs(long, 's-short'));
        assert.deepStrictEqual(
          [short.record.status, short.record.attempt, short.record.epoch, short.record.leaseOwner, short.record.leaseExpiresAt, short.record.updatedAt],
          ['inFlight', 1, 1, 'w1', T0 + 1_005, T0 + 5],
        );
        assert.deepStrictEqual(await store.get('s-short'), short.record);
        // It is leased: another owner is refused until the lease ends, then takes it over and fences the creator.
        assert.equal((await store.claim('s-short', { owner: 'w2', leaseMs: 100, now: T0 + 1_004 })).claimed, false);
        const taken = await store.claim('s-short', { owner: 'w2', leaseMs: 100, now: T0 + 1_005 });
        assert.deepStrictEqual([taken.claimed, taken.record.epoch], [true, 2]);
        await rejectsWithCode(store.transition('s-short', move('inFlight', 1, 'succeeded', T0 + 1_006)), 'ERR_LEDGER_LEASE_LOST', 'creator after takeover');
        assert.deepStrictEqual((await store.listResumable()).map((r) => r.id).sort(), ['s-long', 's-short']);
      });

      test('create with an in-flight start of an existing id changes nothing and returns the stored record', async ({ store }) => {
        const first = await store.create(draftOf('s-dup'), T0);
        const again = await store.create(draftOf('s-dup'), T0 + 50, { owner: 'w9', leaseMs: 1_000, outcome: { kind: 'inFlight', reason: 'attempt in flight' } });
        assert.equal(again.created, false);
        assert.deepStrictEqual(again.record, first.record, 'not claimed, not in flight');
        assert.deepStrictEqual(await store.get('s-dup'), first.record);
      });
    },
    claim: () => {
      test('claim bumps the epoch and sets the lease; another owner is refused until it expires; the owner may renew', async ({ store }) => {
        await store.create(draftOf('l1'), T0);
        const first = await store.claim('l1', { owner: 'w1', leaseMs: 500, now: T0 + 100 });
        assert.equal(first.claimed, true);
        assert.deepStrictEqual(
          { epoch: first.record.epoch, leaseOwner: first.record.leaseOwner, leaseExpiresAt: first.record.leaseExpiresAt, updatedAt: first.record.updatedAt },
          { epoch: 1, leaseOwner: 'w1', leaseExpiresAt: T0 + 600, updatedAt: T0 },
          'a claim does not change updatedAt',
        );
        const refused = await store.claim('l1', { owner: 'w2', leaseMs: 500, now: T0 + 599 });
        assert.equal(refused.claimed, false);
        assert.deepStrictEqual(refused.record, first.record, 'a refused claim returns the record as stored');
        const renewed = await store.claim('l1', { owner: 'w1', leaseMs: 500, now: T0 + 599 });
        assert.equal(renewed.claimed, true);
        assert.equal(renewed.record.epoch, 2);
        assert.equal(renewed.record.leaseExpiresAt, T0 + 1099);
        assert.equal((await store.claim('l1', { owner: 'w2', leaseMs: 500, now: T0 + 1098 })).claimed, false);
        const takeover = await store.claim('l1', { owner: 'w2', leaseMs: 500, now: T0 + 1099 });
        assert.equal(takeover.claimed, true, 'a lease is expired at leaseExpiresAt');
        assert.deepStrictEqual([takeover.record.epoch, takeover.record.leaseOwner, takeover.record.leaseExpiresAt], [3, 'w2', T0 + 1599]);
        assert.deepStrictEqual(await store.get('l1'), takeover.record);
      });

      test('claim refuses finished intents and rejects for an unknown id', async ({ store }) => {
        for (const status of TERMINAL_STATUSES) {
          const record = await driveTo(store, `t-${status}`, status);
          const claim = await store.claim(record.id, { owner: 'w1', leaseMs: 100, now: T0 + 10 });
          assert.equal(claim.claimed, false, `${status} is not claimable`);
          assert.deepStrictEqual(claim.record, record);
        }
        for (const status of RESUMABLE_STATUSES) {
          const record = await driveTo(store, `r-${status}`, status);
          assert.equal((await store.claim(record.id, { owner: 'w1', leaseMs: 100, now: T0 + 10 })).claimed, true, `${status} is claimable`);
        }
        await rejectsWithLedgerError(store.claim('missing', { owner: 'w1', leaseMs: 100, now: T0 }), 'claim of an unknown id');
      });

      test('release drops the lease only for the matching owner and epoch', async ({ store }) => {
        await store.create(draftOf('rl'), T0);
        const claim = await store.claim('rl', { owner: 'w1', leaseMs: 1_000, now: T0 });
        await store.release('rl', 'w2', 1);
        await store.release('rl', 'w1', 0);
        assert.deepStrictEqual(await store.get('rl'), claim.record, 'a mismatched release changes nothing');
        await store.release('rl', 'w1', 1);
        const released = await store.get('rl');
        const { leaseOwner: _o, leaseExpiresAt: _u, ...rest } = claim.record;
        assert.deepStrictEqual(released, rest, 'the epoch stays; the lease fields go');
        assert.equal((await store.claim('rl', { owner: 'w2', leaseMs: 10, now: T0 + 1 })).record.epoch, 2, 'anyone may claim a released intent');
        await store.release('missing', 'w1', 1);
      });

      test('claimResumable claims the oldest resumable intents up to limit, exactly as claim would; finished ones never', async ({ store }) => {
        const claimResumable = claimResumableOf(store);
        if (!claimResumable) return;
        await seedListPlan(store);
        const before = new Map<string, IntentRecord>();
        for (const id of LIST_ORDER) before.set(id, (await store.get(id)) as IntentRecord);
        const claimedAs = (record: IntentRecord, owner: string, leaseExpiresAt: number, bumps = 1): IntentRecord => ({ ...(before.get(record.id) as IntentRecord), epoch: bumps, leaseOwner: owner, leaseExpiresAt });
        const first = await claimResumable({ owner: 'w1', leaseMs: 1_000, now: T0 + 100, limit: 2 });
        assert.deepStrictEqual(first.map((r) => r.id), ['d', 'b'], 'the two oldest resumable intents');
        for (const r of first) {
          assert.deepStrictEqual(r, claimedAs(r, 'w1', T0 + 1_100), `${r.id}: epoch bumped and lease set, nothing else changed`);
          assert.deepStrictEqual(await store.get(r.id), r, `${r.id}: returned as stored`);
        }
        const rest = await claimResumable({ owner: 'w2', leaseMs: 1_000, now: T0 + 100 });
        assert.deepStrictEqual(rest.map((r) => r.id), ['é', 'g', 'e'], "the others, oldest first (ties by id), none of w1's, no finished one");
        for (const r of rest) assert.deepStrictEqual(r, claimedAs(r, 'w2', T0 + 1_100));
        assert.deepStrictEqual(await claimResumable({ owner: 'w3', leaseMs: 1_000, now: T0 + 100 }), [], 'everything is leased');
        const again = await claimResumable({ owner: 'w1', leaseMs: 1_000, now: T0 + 200 });
        assert.deepStrictEqual(again.map((r) => [r.id, r.epoch, r.leaseExpiresAt]), [['d', 2, T0 + 1_200], ['b', 2, T0 + 1_200]], 'an owner may re-claim its own leases');
        for (const status of TERMINAL_STATUSES) {
          for (const r of [...first, ...rest, ...again]) assert.notEqual(r.status, status);
        }
        for (const limit of [0, -1, 1.5, Number.NaN]) {
          await rejectsWithCode(claimResumable({ owner: 'w1', leaseMs: 1_000, now: T0 + 300, limit }), 'ERR_CONFIG_INVALID_OPTION', `limit ${limit}`);
        }
        assert.deepStrictEqual(await store.get('d'), again[0], 'a refused call claims nothing');
      });

      test("claimResumable skips another owner's live lease until it expires, and a parked intent until its next check", async ({ store }) => {
        const claimResumable = claimResumableOf(store);
        if (!claimResumable) return;
        await store.create(draftOf('held'), T0);
        assert.equal((await store.claim('held', { owner: 'other', leaseMs: 500, now: T0 })).claimed, true);
        await driveTo(store, 'parked', 'unknown');
        const lease = await store.claim('parked', { owner: 'w0', leaseMs: 1, now: T0 + 10 });
        const outcome = { kind: 'unknown', reason: 'r', parked: { at: T0 + 10, nextCheckAt: T0 + 1_000, count: 1, reason: 'allowance spent' } };
        await store.transition('parked', move('unknown', lease.record.epoch, 'unknown', T0 + 10, undefined, { outcome }));
        await store.release('parked', 'w0', lease.record.epoch);
        await store.create(draftOf('free', T0 + 1), T0 + 1);
        const ids = async (owner: string, now: number): Promise<string[]> => (await claimResumable({ owner, leaseMs: 10_000, now })).map((r) => r.id);
        assert.deepStrictEqual(await ids('w1', T0 + 499), ['free'], 'held (lease until T0+500) and parked (due at T0+1000) are left');
        assert.deepStrictEqual(await ids('w2', T0 + 500), ['held'], 'a lease is expired at leaseExpiresAt');
        assert.deepStrictEqual(await ids('w3', T0 + 999), [], 'the parked intent is not due before its next check');
        assert.deepStrictEqual(await ids('w3', T0 + 1_000), ['parked'], 'due at nextCheckAt');
        const parked = await store.get('parked');
        assert.deepStrictEqual(parked?.outcome, outcome, 'a claim keeps the outcome');
        assert.equal(parked?.leaseOwner, 'w3');
      });

      test('claimResumable narrows by createdBefore (inclusive), after (exclusive, by createdAt then id) and exclude', async ({ store }) => {
        const claimResumable = claimResumableOf(store);
        if (!claimResumable) return;
        await seedListPlan(store);
        // A lease of 0 ms is expired at once, so each call sees every resumable intent.
        const ids = async (filters: Partial<ClaimResumableRequest>): Promise<string[]> =>
          (await claimResumable({ owner: 'w1', leaseMs: 0, now: T0 + 100, ...filters })).map((r) => r.id);
        assert.deepStrictEqual(await ids({}), ['d', 'b', 'é', 'g', 'e']);
        assert.deepStrictEqual(await ids({ createdBefore: T0 + 10 }), ['d', 'b', 'é']);
        assert.deepStrictEqual(await ids({ createdBefore: T0 + 4 }), []);
        assert.deepStrictEqual(await ids({ after: { createdAt: T0 + 10, id: 'b' } }), ['é', 'g', 'e']);
        assert.deepStrictEqual(await ids({ after: { createdAt: T0 + 10, id: 'a' } }), ['b', 'é', 'g', 'e'], 'the cursor need not be a resumable intent');
        assert.deepStrictEqual(await ids({ after: { createdAt: T0 + 5, id: 'd' }, createdBefore: T0 + 20, limit: 2 }), ['b', 'é']);
        assert.deepStrictEqual(await ids({ exclude: ['b', 'g', 'missing'] }), ['d', 'é', 'e']);
        assert.equal((await store.get('d'))?.epoch, 3, 'each of the three calls that took d bumped its epoch once');
      });
    },
    transitions: () => {
      test('transition is a compare-and-set on status and epoch that keeps the lease', async ({ store }) => {
        await store.create(draftOf('x1'), T0);
        const claim = await store.claim('x1', { owner: 'w1', leaseMs: 1_000, now: T0 + 1 });
        const inFlight = await store.transition('x1', move('pending', 1, 'inFlight', T0 + 2, 1));
        assert.deepStrictEqual(inFlight, { ...claim.record, status: 'inFlight', attempt: 1, updatedAt: T0 + 2 });
        await rejectsWithCode(store.transition('x1', move('inFlight', 0, 'succeeded', T0 + 3)), 'ERR_LEDGER_LEASE_LOST', 'stale epoch');
        await rejectsWithCode(store.transition('x1', move('inFlight', 2, 'succeeded', T0 + 3)), 'ERR_LEDGER_LEASE_LOST', 'future epoch');
        await rejectsWithCode(store.transition('x1', move('pending', 1, 'inFlight', T0 + 3, 2)), 'ERR_LEDGER_LEASE_LOST', 'stale status');
        assert.deepStrictEqual(await store.get('x1'), inFlight, 'a refused transition changes nothing');
        const outcome = { kind: 'success', reason: 'HTTP 200', httpStatus: 200, venueCode: '0', venueMessage: 'ok', result: { orderId: 42, fills: [{ px: '1.5' }] } };
        const done = await store.transition('x1', move('inFlight', 1, 'succeeded', T0 + 4, undefined, { outcome }));
        assert.deepStrictEqual(done, { ...inFlight, status: 'succeeded', updatedAt: T0 + 4, outcome });
        assert.deepStrictEqual(await store.get('x1'), done);
      });

      test('a takeover fences the previous holder: its writes are refused, the new holder continues', async ({ store }) => {
        await store.create(draftOf('f1'), T0);
        await store.claim('f1', { owner: 'w1', leaseMs: 100, now: T0 });
        await store.transition('f1', move('pending', 1, 'inFlight', T0 + 1, 1));
        const taken = await store.claim('f1', { owner: 'w2', leaseMs: 100, now: T0 + 200 });
        assert.equal(taken.claimed, true);
        assert.equal(taken.record.epoch, 2);
        await rejectsWithCode(store.transition('f1', move('inFlight', 1, 'succeeded', T0 + 201)), 'ERR_LEDGER_LEASE_LOST', 'old holder after takeover');
        await rejectsWithCode(store.transition('f1', move('inFlight', 1, 'unknown', T0 + 201)), 'ERR_LEDGER_LEASE_LOST', 'old holder after takeover');
        const next = await store.transition('f1', move('inFlight', 2, 'unknown', T0 + 202, undefined, { outcome: { kind: 'unknown', reason: 'timeout' } }));
        assert.deepStrictEqual([next.status, next.epoch, next.leaseOwner], ['unknown', 2, 'w2']);
      });

      test('every transition the state machine allows is applied, every other one refused', async ({ store }) => {
        let n = 0;
        for (const from of INTENT_STATUSES) {
          for (const to of INTENT_STATUSES) {
            const id = `sm-${n++}`;
            const record = await driveTo(store, id, from);
            const attempt = to === 'inFlight' ? record.attempt + 1 : undefined;
            const request = move(from, record.epoch, to, T0 + 50, attempt, { outcome: { kind: to, reason: `${from}->${to}` } });
            if (isAllowedTransition(from, to)) {
              const next = await store.transition(id, request);
              assert.deepStrictEqual([next.status, next.attempt, next.updatedAt], [to, attempt ?? record.attempt, T0 + 50], `${from} -> ${to}`);
              assert.deepStrictEqual(next.outcome, { kind: to, reason: `${from}->${to}` });
            } else {
              await rejectsWithCode(store.transition(id, request), 'ERR_LEDGER_TRANSITION', `${from} -> ${to}`);
              assert.deepStrictEqual(await store.get(id), record, `${from} -> ${to} changes nothing`);
            }
          }
        }
      });

      test('an attempt must follow the stored one; an outcome is replaced or cleared by the next transition', async ({ store }) => {
        await store.create(draftOf('a1'), T0);
        for (const attempt of [0, 2, undefined]) {
          await rejectsWithCode(store.transition('a1', move('pending', 0, 'inFlight', T0 + 1, attempt)), 'ERR_LEDGER_TRANSITION', `attempt ${String(attempt)}`);
        }
        await store.transition('a1', move('pending', 0, 'inFlight', T0 + 1, 1));
        const unknown = await store.transition('a1', move('inFlight', 0, 'unknown', T0 + 2, undefined, { outcome: { kind: 'unknown', reason: 'reset' } }));
        assert.equal(unknown.outcome?.reason, 'reset');
        const again = await store.transition('a1', move('unknown', 0, 'inFlight', T0 + 3, 2));
        assert.deepStrictEqual([again.attempt, again.outcome], [2, undefined], 'a transition without an outcome clears the stored one');
        const back = await store.transition('a1', move('inFlight', 0, 'pending', T0 + 4));
        assert.equal(back.attempt, 2, 'inFlight -> pending keeps the attempt number');
        assert.equal((await store.transition('a1', move('pending', 0, 'inFlight', T0 + 5, 3))).attempt, 3);
        await rejectsWithLedgerError(store.transition('missing', move('pending', 0, 'inFlight', T0, 1)), 'transition of an unknown id');
      });

      test('a transition with releaseLease drops the lease in the same write; without it the lease stays', async ({ store }) => {
        await store.create(draftOf('rl2'), T0);
        const claim = await store.claim('rl2', { owner: 'w1', leaseMs: 1_000, now: T0 });
        await store.transition('rl2', move('pending', 1, 'inFlight', T0 + 1, 1));
        await rejectsWithCode(
          store.transition('rl2', move('inFlight', 0, 'unknown', T0 + 2, undefined, { outcome: { kind: 'unknown', reason: 'x' }, releaseLease: true })),
          'ERR_LEDGER_LEASE_LOST',
          'a stale epoch is refused, release or not',
        );
        assert.equal((await store.get('rl2'))?.leaseOwner, 'w1', 'a refused transition keeps the lease');
        const parked = await store.transition('rl2', move('inFlight', 1, 'unknown', T0 + 2, undefined, { outcome: { kind: 'unknown', reason: 'parked' }, releaseLease: true }));
        const { leaseOwner: _o, leaseExpiresAt: _u, ...unleased } = claim.record;
        assert.deepStrictEqual(parked, { ...unleased, status: 'unknown', attempt: 1, updatedAt: T0 + 2, outcome: { kind: 'unknown', reason: 'parked' } });
        assert.deepStrictEqual(await store.get('rl2'), parked);
        const next = await store.claim('rl2', { owner: 'w2', leaseMs: 1_000, now: T0 + 3 });
        assert.deepStrictEqual([next.claimed, next.record.epoch], [true, 2], 'anyone may claim at once');
        const kept = await store.transition('rl2', move('unknown', 2, 'unknown', T0 + 4, undefined, { outcome: { kind: 'unknown', reason: 'y' }, releaseLease: false }));
        assert.deepStrictEqual([kept.leaseOwner, kept.leaseExpiresAt], ['w2', T0 + 1_003]);
        const done = await store.transition('rl2', move('unknown', 2, 'succeeded', T0 + 5, undefined, { outcome: { kind: 'success', reason: 'found' }, releaseLease: true }));
        assert.deepStrictEqual([done.status, done.leaseOwner, done.leaseExpiresAt, done.epoch], ['succeeded', undefined, undefined, 2]);
        assert.deepStrictEqual(await store.get('rl2'), done);
      });

      test('an unknown intent can record new evidence (unknown -> unknown), fenced by epoch like every transition', async ({ store }) => {
        await driveTo(store, 'uu', 'unknown');
        const claim = await store.claim('uu', { owner: 'w1', leaseMs: 100, now: T0 + 10 });
        const parked = { kind: 'unknown', reason: 'r', parked: { at: T0 + 11, nextCheckAt: T0 + 60_011, count: 1, reason: 'p' } };
        const first = await store.transition('uu', move('unknown', 1, 'unknown', T0 + 11, undefined, { outcome: parked }));
        assert.deepStrictEqual(first, { ...claim.record, status: 'unknown', updatedAt: T0 + 11, outcome: parked }, 'status, attempt, epoch and lease stay; outcome and updatedAt change');
        assert.deepStrictEqual(await store.get('uu'), first);
        assert.deepStrictEqual(await store.listResumable(), [first]);
        const list = listOf(store);
        if (list) {
          assert.deepStrictEqual(await list({ statuses: ['unknown'], limit: 10 }), [first]);
          assert.deepStrictEqual(await list({ limit: 10 }), [first]);
        }
        await rejectsWithCode(store.transition('uu', move('unknown', 0, 'unknown', T0 + 12, undefined, { outcome: { kind: 'unknown', reason: 'stale' } })), 'ERR_LEDGER_LEASE_LOST', 'stale epoch');
        await rejectsWithCode(store.transition('uu', move('unknown', 2, 'unknown', T0 + 12, undefined, { outcome: { kind: 'unknown', reason: 'future' } })), 'ERR_LEDGER_LEASE_LOST', 'future epoch');
        const taken = await store.claim('uu', { owner: 'w2', leaseMs: 100, now: T0 + 200 });
        assert.equal(taken.claimed, true);
        assert.deepStrictEqual(taken.record.outcome, parked, 'a claim keeps the outcome');
        await rejectsWithCode(store.transition('uu', move('unknown', 1, 'unknown', T0 + 201, undefined, { outcome: { kind: 'unknown', reason: 'late' } })), 'ERR_LEDGER_LEASE_LOST', 'old holder after takeover');
        assert.deepStrictEqual(await store.get('uu'), taken.record, 'a refused transition changes nothing');
        const again = { ...parked, parked: { ...parked.parked, at: T0 + 202, nextCheckAt: T0 + 120_202, count: 2 } };
        const second = await store.transition('uu', move('unknown', 2, 'unknown', T0 + 202, undefined, { outcome: again }));
        assert.deepStrictEqual(second, { ...taken.record, updatedAt: T0 + 202, outcome: again });
        assert.deepStrictEqual(await store.get('uu'), second);
        assert.deepStrictEqual(await store.listResumable(), [second]);
        if (list) assert.deepStrictEqual(await list({ statuses: ['unknown', 'pending'], limit: 10 }), [second]);
        const settled = await store.transition('uu', move('unknown', 2, 'succeeded', T0 + 203, undefined, { outcome: { kind: 'success', reason: 'found' } }));
        assert.equal(settled.status, 'succeeded', 'a parked intent still settles');
      });
    },
    listing: () => {
      test('listResumable returns pending, inFlight and unknown intents, oldest first (ties by id)', async ({ store }) => {
        const plan: Array<[string, number, IntentStatus]> = [
          ['e', T0 + 30, 'unknown'],
          ['b', T0 + 10, 'pending'],
          ['d', T0 + 10, 'inFlight'],
          ['a', T0 + 10, 'succeeded'],
          ['c', T0 + 5, 'failed'],
          ['f', T0 + 1, 'pending'],
        ];
        for (const [id, createdAt, status] of plan) {
          await store.create(draftOf(id, createdAt), createdAt);
          if (status === 'pending') continue;
          await store.transition(id, move('pending', 0, 'inFlight', createdAt + 1, 1));
          if (status !== 'inFlight') await store.transition(id, move('inFlight', 0, status, createdAt + 2));
        }
        await store.claim('b', { owner: 'w1', leaseMs: 1_000, now: T0 + 40 });
        const list = await store.listResumable();
        assert.deepStrictEqual(list.map((r) => [r.id, r.status]), [['f', 'pending'], ['b', 'pending'], ['d', 'inFlight'], ['e', 'unknown']]);
        for (const r of list) assert.deepStrictEqual(r, await store.get(r.id));
      });

      test('list returns every intent, finished ones included, oldest first (ties by id in code-unit order), as get does', async ({ store }) => {
        const list = listOf(store);
        if (!list) return;
        assert.deepStrictEqual(await list({ limit: 100 }), [], 'an empty store lists nothing');
        await seedListPlan(store);
        const all = await list({ limit: 100 });
        assert.deepStrictEqual(all.map((r) => r.id), LIST_ORDER);
        for (const r of all) assert.deepStrictEqual(r, await store.get(r.id), `${r.id} as get returns it`);
        const finished = await list({ statuses: ['succeeded', 'failed'], limit: 100 });
        assert.deepStrictEqual(finished.map((r) => [r.id, r.status]), [['f', 'succeeded'], ['Z', 'failed'], ['a', 'succeeded'], ['h*[?]%_\\', 'failed']]);
        assert.deepStrictEqual(finished.find((r) => r.id === 'a')?.outcome, { kind: 'succeeded', reason: 'test succeeded', result: { id: 'a' } });
      });

      test('list filters by statuses, operation, scope and createdBefore (inclusive), every given filter narrowing', async ({ store }) => {
        const list = listOf(store);
        if (!list) return;
        await seedListPlan(store);
        const ids = async (query: Omit<ListRecordsQuery, 'limit'>): Promise<string[]> => (await list({ ...query, limit: 100 })).map((r) => r.id);
        assert.deepStrictEqual(await ids({ statuses: ['pending'] }), ['b', 'g']);
        assert.deepStrictEqual(await ids({ statuses: ['unknown', 'inFlight'] }), ['d', 'é', 'e']);
        assert.deepStrictEqual(await ids({ statuses: ['unknown', 'succeeded'] }), ['f', 'd', 'a', 'é']);
        assert.deepStrictEqual(await ids({ statuses: [] }), [], 'no statuses: nothing');
        assert.deepStrictEqual(await ids({ operation: 'order.cancel' }), ['f', 'd', 'e']);
        assert.deepStrictEqual(await ids({ operation: 'order' }), [], 'operation matches exactly');
        assert.deepStrictEqual(await ids({ scope: `acct-'2"` }), ['Z', 'h*[?]%_\\', 'e']);
        assert.deepStrictEqual(await ids({ scope: 'acct-%' }), [], 'scope matches exactly');
        assert.deepStrictEqual(await ids({ createdBefore: T0 + 10 }), ['f', 'd', 'Z', 'a', 'b', 'é'], 'createdBefore includes its own time');
        assert.deepStrictEqual(await ids({ createdBefore: T0 + 10.5 }), ['f', 'd', 'Z', 'a', 'b', 'é']);
        assert.deepStrictEqual(await ids({ createdBefore: T0 + 9 }), ['f', 'd']);
        assert.deepStrictEqual(await ids({ createdBefore: T0 }), []);
        assert.deepStrictEqual(await ids({ statuses: ['failed', 'inFlight'], scope: `acct-'2"`, operation: 'order.create' }), ['Z', 'h*[?]%_\\']);
        assert.deepStrictEqual(await ids({ statuses: ['failed', 'inFlight', 'pending'], scope: `acct-'2"`, createdBefore: T0 + 10 }), ['Z']);
        assert.deepStrictEqual(await ids({ statuses: ['pending', 'unknown'], operation: 'order.create', createdBefore: T0 + 19 }), ['b', 'é']);
      });

      test('list returns at most limit records, the oldest, cutting a tie by id', async ({ store }) => {
        const list = listOf(store);
        if (!list) return;
        await seedListPlan(store);
        for (const limit of [1, 3, 4, 5, 8, 9, 10]) {
          assert.deepStrictEqual((await list({ limit })).map((r) => r.id), LIST_ORDER.slice(0, limit), `limit ${limit}`);
        }
        assert.deepStrictEqual(await list({ limit: 0 }), []);
        assert.deepStrictEqual((await list({ statuses: ['pending', 'unknown', 'inFlight'], limit: 2 })).map((r) => r.id), ['d', 'b']);
        assert.deepStrictEqual((await list({ statuses: ['unknown', 'pending'], limit: 3 })).map((r) => r.id), ['d', 'b', 'é']);
        assert.deepStrictEqual((await list({ statuses: ['succeeded', 'failed'], createdBefore: T0 + 10, limit: 2 })).map((r) => r.id), ['f', 'Z']);
      });

      test('listResumable and list order createdAt as a number, not as text', async ({ store }) => {
        const times: Array<[string, number]> = [['n4', 10_000], ['n1', 99], ['n3', 1_000], ['n2', 999], ['n5', T0]];
        for (const [id, createdAt] of times) await store.create(draftOf(id, createdAt), createdAt);
        await store.transition('n3', move('pending', 0, 'failed', T0 + 1, undefined, { outcome: { kind: 'failed', reason: 'expired' } }));
        assert.deepStrictEqual((await store.listResumable()).map((r) => r.id), ['n1', 'n2', 'n4', 'n5']);
        const list = listOf(store);
        if (!list) return;
        assert.deepStrictEqual((await list({ limit: 10 })).map((r) => r.id), ['n1', 'n2', 'n3', 'n4', 'n5']);
        assert.deepStrictEqual((await list({ limit: 3 })).map((r) => r.id), ['n1', 'n2', 'n3']);
        assert.deepStrictEqual((await list({ statuses: ['pending'], limit: 2 })).map((r) => r.id), ['n1', 'n2']);
        assert.deepStrictEqual((await list({ createdBefore: 9_999, limit: 10 })).map((r) => r.id), ['n1', 'n2', 'n3']);
      });

      test('list returns copies: changing a listed record changes nothing stored', async ({ store }) => {
        const list = listOf(store);
        if (!list) return;
        await seedListPlan(store);
        const before = await list({ limit: 100 });
        const listed = await list({ limit: 100 });
        for (const r of listed) {
          (r.input as { qty: string }).qty = '999';
          const result = r.outcome?.result as { id?: string } | undefined;
          if (result) result.id = 'changed';
          (r as { status: IntentStatus }).status = 'failed';
        }
        listed.length = 0;
        assert.deepStrictEqual(await list({ limit: 100 }), before);
        for (const r of before) assert.deepStrictEqual(await store.get(r.id), r);
      });
    },
    durability: () => {
      test('a durable store keeps every acknowledged change across close and reopen', async ({ store, reopen }, opened) => {
        if (!store.capabilities.durable) return;
        assert.ok(reopen, 'a store that declares durable: true must give reopen so durability can be checked');
        await driveTo(store, 'p1', 'succeeded');
        await driveTo(store, 'p2', 'unknown');
        await store.create(draftOf('p3'), T0);
        const claimed = await store.claim('p3', { owner: 'w1', leaseMs: 1_000, now: T0 });
        await store.transition('p3', move('pending', claimed.record.epoch, 'inFlight', T0 + 1, 1));
        await store.create(draftOf('p4'), T0 + 2, { owner: 'w1', leaseMs: 1_000, outcome: { kind: 'inFlight', reason: 'attempt in flight', correlationId: 'c-p4' } });
        const before = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((id) => store.get(id)));
        for (const s of opened) await s.close();
        const again = await reopen();
        opened.push(again);
        for (const [i, id] of ['p1', 'p2', 'p3', 'p4'].entries()) {
          const after = await again.get(id);
          const was = before[i];
          assert.ok(after && was, `${id} survives`);
          const strip = (r: IntentRecord): IntentRecord => {
            const { leaseOwner: _o, leaseExpiresAt: _u, epoch: _e, ...rest } = r;
            return rest as IntentRecord;
          };
          // Leases may or may not outlive a reopen (a single-process store voids them); the
          // epoch may not go backwards past the last acknowledged write's.
          assert.deepStrictEqual(strip(after), strip(was), `${id} is as acknowledged`);
          assert.ok(after.epoch >= (id === 'p3' ? claimed.record.epoch : id === 'p4' ? 1 : 0), `${id} epoch did not go back`);
        }
        assert.deepStrictEqual((await again.listResumable()).map((r) => r.id), ['p2', 'p3', 'p4']);
      });
    },
    races: () => {
      test(`of ${racers} concurrent creates of one id exactly one creates`, async ({ store }) => {
        const results = await Promise.all(
          Array.from({ length: racers }, (_, i) => store.create({ ...draftOf('r1'), fingerprint: `fp-${i}` }, T0 + i)),
        );
        const creators = results.filter((r) => r.created);
        assert.equal(creators.length, 1);
        const winner = creators[0]?.record;
        for (const r of results) assert.deepStrictEqual(r.record, winner, 'every loser sees the winner');
      });

      test(`of ${racers} concurrent claims by different owners exactly one wins`, async ({ store }) => {
        await store.create(draftOf('cc'), T0);
        const results = await Promise.all(Array.from({ length: racers }, (_, i) => store.claim('cc', { owner: `w${i}`, leaseMs: 10_000, now: T0 + 1 })));
        const winners = results.filter((r) => r.claimed);
        assert.equal(winners.length, 1);
        const stored = await store.get('cc');
        assert.deepStrictEqual(stored, winners[0]?.record);
        assert.equal(stored?.epoch, 1);
      });

      test(`of ${racers} concurrent transitions expecting the same state exactly one applies`, async ({ store }) => {
        await store.create(draftOf('ct'), T0);
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) => store.transition('ct', move('pending', 0, 'inFlight', T0 + 1 + i, 1))),
        );
        const applied = results.filter((r) => r.status === 'fulfilled');
        assert.equal(applied.length, 1);
        for (const r of results) {
          if (r.status === 'rejected') assert.ok(isIntentError(r.reason) && r.reason.code === 'ERR_LEDGER_LEASE_LOST', `loser: ${String(r.reason)}`);
        }
        assert.deepStrictEqual(await store.get('ct'), applied[0]?.status === 'fulfilled' ? applied[0].value : undefined);
      });

      test(`of ${racers} concurrent in-flight creates of one id exactly one creates and holds the lease`, async ({ store }) => {
        const results = await Promise.all(
          Array.from({ length: racers }, (_, i) => store.create(draftOf('s-race'), T0, { owner: `w${i}`, leaseMs: 1_000, outcome: { kind: 'inFlight', reason: `racer ${i}` } })),
        );
        const creators = results.filter((r) => r.created);
        assert.equal(creators.length, 1);
        const winner = creators[0]?.record;
        for (const r of results) assert.deepStrictEqual(r.record, winner, 'every loser sees the winner');
        assert.equal(winner?.epoch, 1);
      });

      test(`of ${racers} concurrent claimResumable calls by different owners none gets an intent another got`, async ({ store, openPeer }, opened) => {
        const claimResumable = claimResumableOf(store);
        if (!claimResumable) return;
        const handles: LedgerStore[] = [store];
        if (store.capabilities.shared && openPeer) {
          const peer = await openPeer();
          opened.push(peer);
          handles.push(peer);
        }
        const total = racers * 3;
        for (let i = 0; i < total; i++) await store.create(draftOf(`r${String(i).padStart(3, '0')}`, T0 + (i % 7)), T0);
        const batches = await Promise.all(
          Array.from({ length: racers }, (_, w) => {
            const handle = handles[w % handles.length] as LedgerStore;
            return claimResumableOf(handle)?.({ owner: `w${w}`, leaseMs: 10_000, now: T0 + 1, limit: 5 }) ?? Promise.resolve([]);
          }),
        );
        const owners = new Map<string, string>();
        for (const [w, batch] of batches.entries()) {
          assert.ok(batch.length <= 5, `w${w}: at most limit`);
          for (const r of batch) {
            assert.ok(!owners.has(r.id), `${r.id} claimed by both ${owners.get(r.id)} and w${w}`);
            owners.set(r.id, `w${w}`);
            assert.deepStrictEqual([r.leaseOwner, r.epoch], [`w${w}`, 1]);
          }
        }
        for (const [id, owner] of owners) assert.equal((await store.get(id))?.leaseOwner, owner, `${id} is stored as its claimant's`);
        // Whatever no racer took is still free: together they account for every intent once.
        const left = await claimResumable({ owner: 'late', leaseMs: 10_000, now: T0 + 1, limit: total });
        for (const r of left) assert.ok(!owners.has(r.id), `${r.id} was claimed by ${owners.get(r.id)} and is still free`);
        assert.equal(owners.size + left.length, total);
      });

      test('a shared store excludes across handles: one creator, one claimant, the other handle fenced', async ({ store, openPeer }, opened) => {
        if (!store.capabilities.shared) return;
        assert.ok(openPeer, 'a store that declares shared: true must give openPeer so sharing can be checked');
        const peer = await openPeer();
        opened.push(peer);
        const creates = await Promise.all([store.create(draftOf('s1'), T0), peer.create(draftOf('s1'), T0)]);
        assert.equal(creates.filter((c) => c.created).length, 1);
        const claims = await Promise.all([store.claim('s1', { owner: 'w1', leaseMs: 1_000, now: T0 }), peer.claim('s1', { owner: 'w2', leaseMs: 1_000, now: T0 })]);
        assert.equal(claims.filter((c) => c.claimed).length, 1);
        const [winner, loser] = claims[0]?.claimed ? [store, peer] : [peer, store];
        const epoch = (claims[0]?.claimed ? claims[0] : claims[1])?.record.epoch ?? -1;
        await winner.transition('s1', move('pending', epoch, 'inFlight', T0 + 1, 1));
        assert.equal((await loser.get('s1'))?.status, 'inFlight', 'the other handle sees the change at once');
        const takeover = await loser.claim('s1', { owner: 'w3', leaseMs: 1_000, now: T0 + 5_000 });
        assert.equal(takeover.claimed, true);
        await rejectsWithCode(winner.transition('s1', move('inFlight', epoch, 'succeeded', T0 + 5_001)), 'ERR_LEDGER_LEASE_LOST', 'fenced holder on another handle');
      });
    },
    lifecycle: () => {
      test('declares its capabilities as two booleans', async ({ store }) => {
        assert.equal(typeof store.capabilities.durable, 'boolean');
        assert.equal(typeof store.capabilities.shared, 'boolean');
      });

      test('close may be called twice; calls after close reject with ERR_LEDGER_UNAVAILABLE', async ({ store }) => {
        await store.create(draftOf('z1'), T0);
        await store.close();
        await store.close();
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['create', () => store.create(draftOf('z2'), T0)],
          ['get', () => store.get('z1')],
          ['claim', () => store.claim('z1', { owner: 'w', leaseMs: 10, now: T0 })],
          ['transition', () => store.transition('z1', move('pending', 0, 'inFlight', T0, 1))],
          ['listResumable', () => store.listResumable()],
          ...(store.list === undefined ? [] : [['list', () => store.list?.({ limit: 10 }) ?? Promise.resolve()] as [string, () => Promise<unknown>]]),
          ...(store.claimResumable === undefined
            ? []
            : [['claimResumable', () => store.claimResumable?.({ owner: 'w', leaseMs: 10, now: T0 }) ?? Promise.resolve()] as [string, () => Promise<unknown>]]),
        ];
        for (const [method, call] of calls) {
          let promise: Promise<unknown> | undefined;
          assert.doesNotThrow(() => {
            promise = call();
          }, `${method} after close rejects instead of throwing synchronously`);
          await rejectsWithCode(promise ?? Promise.resolve(), 'ERR_LEDGER_UNAVAILABLE', `${method} after close`);
        }
      });
    },
  };

  api.describe(`LedgerStore contract: ${name}`, () => {
    for (const group of LEDGER_CONTRACT_GROUPS) if (selected.has(group)) api.describe(group, groups[group]);
  });
}
