import assert from 'node:assert/strict';
import type * as FastCheck from 'fast-check';
import { ConfigurationError } from '../errors/index.js';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from '../ledger/intent.js';
import { INTENT_STATUSES, TERMINAL_STATUSES } from '../ledger/intent.js';
import type { LedgerStore, TransitionRequest } from '../ledger/ledger-store.js';
import { MemoryLedger } from '../stores/memory/memory-ledger.js';
import { isAllowedTransition } from '../ledger/transitions.js';
import { draftOf } from './ledger-drafts.js';

/**
 * The model-based check of a {@link LedgerStore}: random sequences of commands run on the
 * store under test and on a {@link MemoryLedger} (the model) side by side, and after
 * every command each record and the resumable list must be equal on both. The commands:
 * create, create again with another payload, claim (model time moves on, so leases expire
 * and are taken over), racing claims by two owners through two handles, right and wrong
 * transitions (stale epoch, wrong expected status, skipped attempt), transitions the state
 * machine allows, release (matching or not), reopen, checkpoint and reap. Every change of
 * status the store shows must also be one the state machine allows.
 *
 * Needs `fast-check` (an optional peer dependency of intentkey), which generates the
 * command sequences and shrinks a failing one to a short counterexample.
 */

/** What a reopen of the store keeps, as the model expects it (see {@link LedgerModelCheckOptions.reopenKeeps}). */
export type LedgerModelReopenKeeps = 'everything' | 'acknowledgedWrites';

/**
 * One store under test, fresh and empty, as {@link LedgerModelCheckOptions.open} returns it
 * for each run. Give every subject the same optional methods: the first one opened decides
 * whether reopen, checkpoint and reap commands are generated at all.
 */
export interface LedgerModelSubject {
  /** The handle most commands use. */
  readonly store: LedgerStore;
  /**
   * A second handle on the same storage (for a server store: another connection). Each
   * command picks one of the two handles, and racing claims go through both at once.
   * Without it both are `store`.
   */
  readonly peer?: LedgerStore;
  /**
   * Closes (or, to simulate a crash, drops) the open handles and opens new ones on the same
   * storage. Without it no reopen command is generated.
   *
   * @param seed - a non-negative integer the checker draws, below 2^31, for a subject that
   *   varies how it reopens (e.g. which kind of crash it simulates). It appears in the
   *   failing command list, so a counterexample replays the same reopen.
   */
  readonly reopen?: (seed: number) => Promise<{ readonly store: LedgerStore; readonly peer?: LedgerStore }>;
  /**
   * Makes every record durable as it is now, epochs included and leases excluded (e.g. a
   * compaction that snapshots the store). Only matters with `reopenKeeps:
   * 'acknowledgedWrites'`. Without it no checkpoint command is generated.
   */
  readonly checkpoint?: () => Promise<void>;
  /**
   * Deletes every finished intent whose `updatedAt + retentionMs <= now` (with the
   * `retentionMs` given to the checker); resolves how many it deleted. Without it no reap
   * command is generated.
   *
   * @param now - model time, epoch ms.
   */
  readonly reap?: (now: number) => Promise<number>;
  /** Closes what is open and removes what the subject created. Called once after each run, whatever its result. */
  readonly dispose: () => Promise<void>;
}

/** Options of {@link checkLedgerAgainstModel}. */
export interface LedgerModelCheckOptions {
  /** Opens a fresh, empty {@link LedgerModelSubject}; called once per run. */
  readonly open: () => Promise<LedgerModelSubject>;
  /**
   * What the store keeps across {@link LedgerModelSubject.reopen}:
   * - `'everything'`: every record exactly as it was, leases and epochs included (a server
   *   store, whose leases live in the server).
   * - `'acknowledgedWrites'`: each intent as its last create or transition stored it (with
   *   the epoch it had then), or as the last {@link LedgerModelSubject.checkpoint} stored it
   *   if that came later, without lease fields. This is a single-process store that keeps
   *   claims in memory only, e.g. a file store after a crash.
   * @default 'everything'
   */
  readonly reopenKeeps?: LedgerModelReopenKeeps;
  /**
   * The retention the subject's `reap` applies, in ms of model time. Reap commands move
   * model time on by 0 to twice this. A whole number.
   * @default 100
   */
  readonly retentionMs?: number;
  /**
   * How many distinct intent ids the commands use (ids `a`, `b`, …); fewer ids means more
   * commands on the same intent. A whole number from 1 to 26.
   * @default 5
   */
  readonly intents?: number;
  /**
   * How many command sequences to run, each on a fresh subject.
   * @default 50
   */
  readonly numRuns?: number;
  /**
   * The longest command sequence of a run.
   * @default 40
   */
  readonly maxCommands?: number;
  /**
   * Seed of fast-check's generator: the same seed gives the same sequences.
   * @default 20240611
   */
  readonly seed?: number;
}

/** What the runs of {@link checkLedgerAgainstModel} did, so a caller can check they exercised more than refusals. */
export interface LedgerModelTotals {
  /** Command sequences run. */
  runs: number;
  /** Commands run, over all sequences. */
  commands: number;
  /** Transitions both the store and the model applied. */
  transitions: number;
  /** Claims both granted. */
  claims: number;
  /** Claims both granted to another owner than the previous holder, whose lease had expired. */
  takeovers: number;
  /** Reopens run (none without `reopen`). */
  reopens: number;
  /** Checkpoints run (none without `checkpoint`). */
  checkpoints: number;
  /** Intents reaped (none without `reap`). */
  reaped: number;
  /** Pairs of racing claims through the two handles. */
  races: number;
}

/** Model time the runs start at, epoch ms. */
const START_AT = 1_700_000_000_000;
const ID_LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const OWNERS = ['w1', 'w2', 'w3'] as const;

interface Model {
  mem: MemoryLedger;
  /** The intent ids the commands use. */
  readonly ids: readonly string[];
  /** What a reopen keeps, per intent, with `reopenKeeps: 'acknowledgedWrites'`. */
  durable: Map<string, IntentRecord>;
  readonly keeps: LedgerModelReopenKeeps;
  now: number;
  readonly totals: LedgerModelTotals;
  readonly retentionMs: number;
}

interface Real {
  handles: [LedgerStore, LedgerStore];
  readonly subject: LedgerModelSubject;
  /** Status last seen per intent, to check every observed change against the state machine. */
  readonly seen: Map<string, IntentStatus>;
}

const withoutLease = (r: IntentRecord): IntentRecord => {
  const { leaseOwner: _o, leaseExpiresAt: _u, ...rest } = r;
  return rest;
};

const errorName = (e: unknown): string => (e instanceof Error ? e.name : `non-error ${String(e)}`);

/** Records an acknowledged write: what a reopen keeps with `reopenKeeps: 'acknowledgedWrites'`. */
function written(model: Model, record: IntentRecord): void {
  model.durable.set(record.id, withoutLease(record));
}

/** Runs the same call on both; both resolve (values returned) or both reject with the same error class. */
async function both<T>(onModel: () => Promise<T>, onReal: () => Promise<T>): Promise<{ ok: true; model: T; real: T } | { ok: false }> {
  const [m, r] = await Promise.allSettled([onModel(), onReal()]);
  if (m.status === 'fulfilled' && r.status === 'fulfilled') return { ok: true, model: m.value, real: r.value };
  if (m.status === 'rejected' && r.status === 'rejected') {
    assert.equal(errorName(r.reason), errorName(m.reason), 'the store rejected with another error class than the model');
    return { ok: false };
  }
  throw new Error(`model ${m.status} (${m.status === 'rejected' ? String(m.reason) : ''}), store ${r.status} (${r.status === 'rejected' ? String(r.reason) : ''})`);
}

/** Checks the store equals the model: every id's record and the resumable list. */
async function compare(model: Model, real: Real): Promise<void> {
  const [store] = real.handles;
  for (const id of model.ids) {
    const m = await model.mem.get(id);
    const r = await store.get(id);
    assert.deepStrictEqual(r, m, `record ${id}`);
    if (r) {
      const before = real.seen.get(id);
      if (before !== undefined && before !== r.status) assert.ok(isAllowedTransition(before, r.status), `${id}: ${before} -> ${r.status} is not an allowed transition`);
      real.seen.set(id, r.status);
    } else {
      real.seen.delete(id);
    }
  }
  assert.deepStrictEqual(await store.listResumable(), await model.mem.listResumable(), 'listResumable');
}

/** Every record the model holds. */
async function modelRecords(model: Model): Promise<IntentRecord[]> {
  const out: IntentRecord[] = [];
  for (const id of model.ids) {
    const r = await model.mem.get(id);
    if (r) out.push(r);
  }
  return out;
}

/**
 * A MemoryLedger holding exactly `records`, leases included: each is created, claimed up
 * to its epoch (the last claim by its lease owner, if it has one), and moved along an
 * allowed path to its status and attempt; the last step carries its outcome. Throws if
 * the replay does not reproduce a record exactly.
 *
 * @internal Exported for intentkey's own tests; not part of the public API.
 */
export async function rebuildModel(records: Iterable<IntentRecord>): Promise<MemoryLedger> {
  const mem = new MemoryLedger();
  for (const r of records) {
    const { status, attempt, epoch, updatedAt, outcome, leaseOwner, leaseExpiresAt, ...draft } = r;
    await mem.create(draft, updatedAt);
    const leased = leaseOwner !== undefined && leaseExpiresAt !== undefined;
    for (let e = 1; e <= epoch; e++) {
      if (e === epoch && leased) {
        await mem.release(r.id, 'rebuild', e - 1);
        await mem.claim(r.id, { owner: leaseOwner, leaseMs: leaseExpiresAt, now: 0 });
      } else {
        await mem.claim(r.id, { owner: 'rebuild', leaseMs: 1, now: 0 });
      }
    }
    if (!leased) await mem.release(r.id, 'rebuild', epoch);
    const steps: Array<{ to: IntentStatus; attempt?: number }> = [];
    for (let a = 1; a <= attempt; a++) {
      if (a > 1) steps.push({ to: 'pending' });
      steps.push({ to: 'inFlight', attempt: a });
    }
    if (status !== 'inFlight' && !(status === 'pending' && attempt === 0)) steps.push({ to: status });
    let current: IntentStatus = 'pending';
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1;
      await mem.transition(r.id, {
        expectStatus: current,
        expectEpoch: epoch,
        to: step.to,
        now: updatedAt,
        ...(step.attempt === undefined ? {} : { attempt: step.attempt }),
        ...(last && outcome !== undefined ? { outcome } : {}),
      });
      current = step.to;
    }
    // The replay must reproduce the record exactly, or the model would drift.
    assert.deepStrictEqual(await mem.get(r.id), r, `the model's replay of ${r.id}`);
  }
  return mem;
}

type Cmd = FastCheck.AsyncCommand<Model, Real>;
type Handle = 0 | 1;

class CreateCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly handle: Handle,
    readonly otherPayload: boolean,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += 1;
    const base = draftOf(this.id, model.now);
    const draft: IntentDraft = this.otherPayload ? { ...base, fingerprint: `other-${this.id}`, input: { different: [true, null, 1.5] } } : base;
    const res = await both(() => model.mem.create(draft, model.now), () => real.handles[this.handle].create(draft, model.now));
    if (res.ok) {
      assert.deepStrictEqual(res.real, res.model, `create ${this.id}`);
      if (res.model.created) written(model, res.model.record);
    }
    await compare(model, real);
  }
  toString = (): string => `Create(${this.id}${this.otherPayload ? ', other payload' : ''}, h${this.handle})`;
}

class ClaimCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
    readonly leaseMs: number,
    readonly advanceMs: number,
    readonly handle: Handle,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.advanceMs;
    const before = await model.mem.get(this.id);
    const request = { owner: this.owner, leaseMs: this.leaseMs, now: model.now };
    const res = await both(() => model.mem.claim(this.id, request), () => real.handles[this.handle].claim(this.id, request));
    if (res.ok) {
      assert.deepStrictEqual(res.real, res.model, `claim ${this.id}`);
      if (res.model.claimed) {
        model.totals.claims++;
        if (before?.leaseOwner !== undefined && before.leaseOwner !== this.owner) model.totals.takeovers++;
      }
    }
    await compare(model, real);
  }
  toString = (): string => `Claim(${this.id}, ${this.owner}, ${this.leaseMs}ms, +${this.advanceMs}ms, h${this.handle})`;
}

/** Two owners claim the same intent at once through the two handles: at most one may win. */
class RaceClaimCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly advanceMs: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.advanceMs;
    const now = model.now;
    const [a, b] = await Promise.allSettled([
      real.handles[0].claim(this.id, { owner: 'w1', leaseMs: 40, now }),
      real.handles[1].claim(this.id, { owner: 'w2', leaseMs: 40, now }),
    ]);
    model.totals.races++;
    const existing = await model.mem.get(this.id);
    if (!existing) {
      assert.deepStrictEqual([a.status, b.status], ['rejected', 'rejected'], `claims of the unknown intent ${this.id}`);
    } else {
      if (a.status !== 'fulfilled' || b.status !== 'fulfilled') throw new Error(`a racing claim rejected: ${String(a.status === 'rejected' ? a.reason : '')} ${String(b.status === 'rejected' ? b.reason : '')}`);
      const winners = [a.value, b.value].filter((c) => c.claimed);
      // Both may lose (a live lease of w3, or a finished intent); both may never win. The
      // same owner winning twice is impossible here as the owners differ.
      assert.ok(winners.length <= 1, `both racing claims of ${this.id} won`);
      const winner = winners[0];
      if (winner) {
        const owner = winner.record.leaseOwner as string;
        const modelClaim = await model.mem.claim(this.id, { owner, leaseMs: 40, now });
        assert.deepStrictEqual(winner, modelClaim, `the winning claim of ${this.id}`);
        model.totals.claims++;
      } else {
        // The model agrees that neither could claim.
        for (const owner of ['w1', 'w2']) {
          const probe = await rebuildModel([existing]);
          assert.equal((await probe.claim(this.id, { owner, leaseMs: 40, now })).claimed, false, `${owner} could have claimed ${this.id}`);
        }
      }
    }
    await compare(model, real);
  }
  toString = (): string => `RaceClaim(${this.id}, +${this.advanceMs}ms)`;
}

type ExpectMode = 'current' | 'staleEpoch' | 'otherStatus';
type AttemptMode = 'next' | 'same' | 'skip';

/** A transition built from the model's current record, right or wrong in chosen ways. */
class TransitionCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly to: IntentStatus,
    readonly expectMode: ExpectMode,
    readonly attemptMode: AttemptMode,
    readonly withOutcome: boolean,
    readonly handle: Handle,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const current = await model.mem.get(this.id);
    model.now += 1;
    const status = current?.status ?? 'pending';
    const epoch = current?.epoch ?? 0;
    const attempt = current?.attempt ?? 0;
    const outcome: StoredOutcome = {
      kind: this.to,
      reason: `to ${this.to} at ${model.now}`,
      ...(this.to === 'succeeded' ? { httpStatus: 200, result: { n: model.now, fills: [{ px: '1.25', qty: '2' }] } } : {}),
      ...(this.to === 'failed' ? { httpStatus: 400, venueCode: '-2010', venueMessage: 'rejected' } : {}),
    };
    const request: TransitionRequest = {
      expectStatus: this.expectMode === 'otherStatus' ? (INTENT_STATUSES.find((s) => s !== status) as IntentStatus) : status,
      expectEpoch: this.expectMode === 'staleEpoch' ? epoch - 1 : epoch,
      to: this.to,
      now: model.now,
      ...(this.to === 'inFlight' ? { attempt: attempt + (this.attemptMode === 'next' ? 1 : this.attemptMode === 'skip' ? 2 : 0) } : {}),
      ...(this.withOutcome ? { outcome } : {}),
    };
    const res = await both(() => model.mem.transition(this.id, request), () => real.handles[this.handle].transition(this.id, request));
    if (res.ok) {
      model.totals.transitions++;
      assert.deepStrictEqual(res.real, res.model, `transition of ${this.id}`);
      written(model, res.model);
    }
    await compare(model, real);
  }
  toString = (): string =>
    `Transition(${this.id} -> ${this.to}, ${this.expectMode}, ${this.attemptMode}${this.withOutcome ? ', outcome' : ''}, h${this.handle})`;
}

/** Moves an intent along one of the transitions its status allows (picked by `choice`). */
class AdvanceCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly choice: number,
    readonly handle: Handle,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const current = await model.mem.get(this.id);
    const allowed = INTENT_STATUSES.filter((to) => current !== undefined && isAllowedTransition(current.status, to));
    const to = allowed[this.choice % Math.max(1, allowed.length)];
    // Nothing allowed (no such intent, or a finished one): a forbidden move, which both refuse.
    await new TransitionCmd(this.id, to ?? 'pending', 'current', 'next', true, this.handle).run(model, real);
  }
  toString = (): string => `Advance(${this.id}, ${this.choice}, h${this.handle})`;
}

class ReleaseCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
    readonly staleEpoch: boolean,
    readonly handle: Handle,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const epoch = ((await model.mem.get(this.id))?.epoch ?? 0) - (this.staleEpoch ? 1 : 0);
    await both(() => model.mem.release(this.id, this.owner, epoch), () => real.handles[this.handle].release(this.id, this.owner, epoch));
    await compare(model, real);
  }
  toString = (): string => `Release(${this.id}, ${this.owner}${this.staleEpoch ? ', stale epoch' : ''}, h${this.handle})`;
}

class ReopenCmd implements Cmd {
  constructor(readonly seed: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const reopen = real.subject.reopen;
    if (!reopen) return;
    const next = await reopen(this.seed);
    real.handles = [next.store, next.peer ?? next.store];
    if (model.keeps === 'acknowledgedWrites') model.mem = await rebuildModel(model.durable.values());
    model.totals.reopens++;
    await compare(model, real);
  }
  toString = (): string => `Reopen(seed ${this.seed})`;
}

class CheckpointCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const checkpoint = real.subject.checkpoint;
    if (!checkpoint) return;
    await checkpoint();
    model.totals.checkpoints++;
    for (const r of await modelRecords(model)) written(model, r);
    await compare(model, real);
  }
  toString = (): string => 'Checkpoint';
}

class ReapCmd implements Cmd {
  constructor(readonly advanceMs: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const reap = real.subject.reap;
    if (!reap) return;
    model.now += this.advanceMs;
    const kept: IntentRecord[] = [];
    let gone = 0;
    for (const r of await modelRecords(model)) {
      if (TERMINAL_STATUSES.has(r.status) && r.updatedAt + model.retentionMs <= model.now) {
        gone++;
        model.durable.delete(r.id);
      } else {
        kept.push(r);
      }
    }
    assert.equal(await reap(model.now), gone, 'intents reaped');
    model.mem = await rebuildModel(kept);
    model.totals.reaped += gone;
    await compare(model, real);
  }
  toString = (): string => `Reap(+${this.advanceMs}ms)`;
}

/** Loads the optional peer `fast-check`, or says how to install it. */
async function loadFastCheck(): Promise<typeof FastCheck> {
  try {
    return await import('fast-check');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error('checkLedgerAgainstModel needs fast-check, an optional peer dependency of intentkey: install it (npm install --save-dev fast-check).', { cause: error });
    }
    throw error;
  }
}

/** Throws a {@link ConfigurationError} unless `value` is absent or a whole number in `[min, max]`. */
function checkWhole(name: keyof LedgerModelCheckOptions, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new ConfigurationError({ path: `checkLedgerAgainstModel(options).${name}`, expected: range, received: typeof value === 'number' ? String(value) : typeof value });
  }
}

function validate(options: LedgerModelCheckOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError({ path: 'checkLedgerAgainstModel(options)', expected: 'an options object', received: options === null ? 'null' : typeof options });
  }
  if (typeof options.open !== 'function') {
    throw new ConfigurationError({ path: 'checkLedgerAgainstModel(options).open', expected: 'a function that opens a fresh subject', received: typeof options.open });
  }
  const keeps: unknown = options.reopenKeeps;
  if (keeps !== undefined && keeps !== 'everything' && keeps !== 'acknowledgedWrites') {
    throw new ConfigurationError({
      path: 'checkLedgerAgainstModel(options).reopenKeeps',
      expected: '"everything" or "acknowledgedWrites"',
      received: typeof keeps === 'string' ? JSON.stringify(keeps.slice(0, 40)) : typeof keeps,
    });
  }
  checkWhole('retentionMs', options.retentionMs, 0);
  checkWhole('intents', options.intents, 1, ID_LETTERS.length);
  checkWhole('numRuns', options.numRuns, 1);
  checkWhole('maxCommands', options.maxCommands, 1);
  checkWhole('seed', options.seed, -(2 ** 31), 2 ** 31 - 1);
}

/**
 * Runs the model-based check of a {@link LedgerStore} against {@link MemoryLedger}: random
 * command sequences on a fresh subject each (see the module description), comparing every
 * record and the resumable list after each command. Resolves the totals, which the caller
 * should check show real work (transitions, takeovers, reopens); rejects on the first
 * difference, with fast-check's shrunk counterexample (a short command list) in the
 * message. Options are validated first ({@link ConfigurationError}).
 *
 * Needs the optional peer dependency `fast-check` (rejects saying so when it is missing).
 * Run it inside a test, with a timeout that fits `numRuns` against your store:
 *
 * ```ts
 * import { expect, it } from 'vitest';
 * import { checkLedgerAgainstModel } from 'intentkey/testing';
 *
 * it('MyLedger behaves as MemoryLedger', async () => {
 *   const totals = await checkLedgerAgainstModel({
 *     open: async () => {
 *       const prefix = `t${crypto.randomUUID()}`;
 *       let store = await MyLedger.open({ prefix });
 *       return {
 *         store,
 *         reopen: async () => {
 *           await store.close();
 *           store = await MyLedger.open({ prefix });
 *           return { store };
 *         },
 *         dispose: async () => {
 *           await store.close();
 *           await dropEverythingUnder(prefix);
 *         },
 *       };
 *     },
 *   });
 *   expect(totals.transitions).toBeGreaterThan(totals.runs);
 * }, 60_000);
 * ```
 */
export async function checkLedgerAgainstModel(options: LedgerModelCheckOptions): Promise<LedgerModelTotals> {
  validate(options);
  const fc = await loadFastCheck();
  const retentionMs = options.retentionMs ?? 100;
  const keeps = options.reopenKeeps ?? 'everything';
  const ids = ID_LETTERS.slice(0, options.intents ?? 5).split('');
  const id = fc.constantFrom(...ids);
  const handle = fc.constantFrom<Handle>(0, 1);
  const owner = fc.constantFrom(...OWNERS);
  // The first subject, opened here and used by the first run, says which optional
  // commands are worth generating: a reopen, checkpoint or reap command would do nothing
  // on a subject without the method.
  const first = await options.open();
  let unused: LedgerModelSubject | undefined = first;
  const commands = fc.commands<Model, Real, false>(
    [
      fc.tuple(id, handle, fc.boolean()).map(([i, h, o]) => new CreateCmd(i, h, o)),
      fc.tuple(id, handle).map(([i, h]) => new CreateCmd(i, h, false)),
      fc
        .tuple(id, owner, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), handle)
        .map(([i, o, l, a, h]) => new ClaimCmd(i, o, l, a, h)),
      fc.tuple(id, fc.integer({ min: 0, max: 60 })).map(([i, a]) => new RaceClaimCmd(i, a)),
      fc
        .tuple(
          id,
          fc.constantFrom(...INTENT_STATUSES),
          fc.constantFrom<ExpectMode>('current', 'current', 'current', 'staleEpoch', 'otherStatus'),
          fc.constantFrom<AttemptMode>('next', 'next', 'next', 'same', 'skip'),
          fc.boolean(),
          handle,
        )
        .map(([i, to, e, a, o, h]) => new TransitionCmd(i, to, e, a, o, h)),
      // Allowed moves, weighted up so that intents travel the whole state machine.
      fc.tuple(id, fc.nat(11), handle).map(([i, c, h]) => new AdvanceCmd(i, c, h)),
      fc.tuple(id, fc.nat(11), handle).map(([i, c, h]) => new AdvanceCmd(i, c, h)),
      fc.tuple(id, fc.nat(11), handle).map(([i, c, h]) => new AdvanceCmd(i, c, h)),
      fc.tuple(id, owner, fc.boolean(), handle).map(([i, o, s, h]) => new ReleaseCmd(i, o, s, h)),
      ...(first.reopen ? [fc.nat().map((s) => new ReopenCmd(s))] : []),
      ...(first.checkpoint ? [fc.constant(new CheckpointCmd())] : []),
      ...(first.reap ? [fc.integer({ min: 0, max: 2 * retentionMs }).map((a) => new ReapCmd(a))] : []),
    ],
    { maxCommands: options.maxCommands ?? 40, size: 'max' },
  );
  const totals: LedgerModelTotals = { runs: 0, commands: 0, transitions: 0, claims: 0, takeovers: 0, reopens: 0, checkpoints: 0, reaped: 0, races: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const subject = unused ?? (await options.open());
        unused = undefined;
        const model: Model = { mem: new MemoryLedger(), ids, durable: new Map(), keeps, now: START_AT, totals, retentionMs };
        const real: Real = { handles: [subject.store, subject.peer ?? subject.store], subject, seen: new Map() };
        let failed = true;
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          failed = false;
        } finally {
          // A failed run reports its own error, not one of a dispose that failed after it.
          await subject.dispose().catch((error: unknown) => {
            if (!failed) throw error;
          });
        }
        totals.runs++;
        totals.commands += [...cmds].length;
      }),
      { numRuns: options.numRuns ?? 50, seed: options.seed ?? 20_240_611 },
    );
  } finally {
    await unused?.dispose();
  }
  return totals;
}
