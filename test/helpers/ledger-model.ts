import fc from 'fast-check';
import { expect } from 'vitest';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from '../../src/ledger/intent.js';
import { INTENT_STATUSES, TERMINAL_STATUSES } from '../../src/ledger/intent.js';
import type { LedgerStore, TransitionRequest } from '../../src/ledger/ledger-store.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { isAllowedTransition } from '../../src/ledger/transitions.js';
import { draftFor } from './ledger-workload.js';

/**
 * Model-based test of any {@link LedgerStore} against {@link MemoryLedger} (test B9.1,
 * run here for the server stores): random sequences of create, create-again with another
 * payload, claim (time moves on, so leases expire and are taken over), right and wrong
 * transitions, release, racing claims from two handles, reopen and reaping, with every
 * record and the resumable list compared to the model after each command.
 *
 * The store must keep everything the model keeps, leases included, across `reopen`
 * (true of the server stores, whose leases live in the server). Reaping is modelled as
 * "every finished intent whose `updatedAt + retentionMs <= now` is gone".
 */

/** One store under test, opened fresh (empty) for each run. */
export interface ModelSubject {
  /** The handle most commands use. */
  readonly store: LedgerStore;
  /** A second handle on the same storage (another connection); commands pick one of the two. */
  readonly peer?: LedgerStore;
  /** Closes both handles and opens new ones on the same storage. */
  readonly reopen?: () => Promise<{ store: LedgerStore; peer?: LedgerStore }>;
  /** Deletes finished intents with `updatedAt + retentionMs <= now`; resolves how many. */
  readonly reap?: (now: number) => Promise<number>;
  /** Closes what is open and removes what the subject created. */
  readonly dispose: () => Promise<void>;
}

/** Options of {@link checkAgainstModel}. */
export interface ModelCheckOptions {
  /** Opens a fresh, empty subject; called once per run. */
  readonly open: () => Promise<ModelSubject>;
  /** The retention the subject's `reap` applies, in ms of model time. Required with `reap`. */
  readonly retentionMs?: number;
  /** @default 50 */
  readonly numRuns?: number;
  /** @default 40 */
  readonly maxCommands?: number;
  /** @default 20240611 */
  readonly seed?: number;
}

/** What the runs did, to check they exercised more than refusals. */
export interface ModelTotals {
  runs: number;
  commands: number;
  /** Transitions both the store and the model applied. */
  transitions: number;
  /** Claims both granted. */
  claims: number;
  /** Claims both granted to a different owner than the previous holder while its lease had expired. */
  takeovers: number;
  reopens: number;
  reaped: number;
  /** Concurrent claim pairs on two handles. */
  races: number;
}

const START_AT = 1_700_000_000_000;
const IDS = ['a', 'b', 'c', 'd', 'e'] as const;

interface Model {
  mem: MemoryLedger;
  now: number;
  totals: ModelTotals;
  retentionMs: number;
}

interface Real {
  handles: [LedgerStore, LedgerStore];
  subject: ModelSubject;
  /** Status last seen per intent, to check every observed change against the state machine. */
  seen: Map<string, IntentStatus>;
}

const errorName = (e: unknown): string => (e instanceof Error ? e.name : `non-error ${String(e)}`);

/** Runs the same call on both; both resolve (values returned) or both reject with the same error class. */
async function both<T>(onModel: () => Promise<T>, onReal: () => Promise<T>): Promise<{ ok: true; model: T; real: T } | { ok: false }> {
  const [m, r] = await Promise.allSettled([onModel(), onReal()]);
  if (m.status === 'fulfilled' && r.status === 'fulfilled') return { ok: true, model: m.value, real: r.value };
  if (m.status === 'rejected' && r.status === 'rejected') {
    expect(errorName(r.reason)).toBe(errorName(m.reason));
    return { ok: false };
  }
  throw new Error(`model ${m.status} (${m.status === 'rejected' ? String(m.reason) : ''}), store ${r.status} (${r.status === 'rejected' ? String(r.reason) : ''})`);
}

async function compare(model: Model, real: Real): Promise<void> {
  const [store] = real.handles;
  for (const id of IDS) {
    const m = await model.mem.get(id);
    const r = await store.get(id);
    expect(r, id).toEqual(m);
    if (r) {
      const before = real.seen.get(id);
      if (before !== undefined && before !== r.status) expect(isAllowedTransition(before, r.status), `${id}: ${before} -> ${r.status}`).toBe(true);
      real.seen.set(id, r.status);
    } else {
      real.seen.delete(id);
    }
  }
  expect(await store.listResumable()).toEqual(await model.mem.listResumable());
}

/**
 * A MemoryLedger holding exactly `records`, leases included: each is created, claimed up
 * to its epoch (the last claim by its lease owner, if it has one), and moved along an
 * allowed path to its status and attempt; the last step carries its outcome.
 */
export async function rebuildModel(records: Iterable<IntentRecord>): Promise<MemoryLedger> {
  const mem = new MemoryLedger();
  for (const r of records) {
    const { status, attempt, epoch, updatedAt, outcome, leaseOwner, leaseUntil, ...draft } = r;
    await mem.create(draft, updatedAt);
    const leased = leaseOwner !== undefined && leaseUntil !== undefined;
    for (let e = 1; e <= epoch; e++) {
      if (e === epoch && leased) {
        await mem.release(r.id, 'rebuild', e - 1);
        await mem.claim(r.id, { owner: leaseOwner, leaseMs: leaseUntil, now: 0 });
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
    expect(await mem.get(r.id)).toEqual(r);
  }
  return mem;
}

type Cmd = fc.AsyncCommand<Model, Real>;

class CreateCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly handle: 0 | 1,
    readonly otherPayload: boolean,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += 1;
    const base = draftFor(this.id, model.now);
    const draft: IntentDraft = this.otherPayload ? { ...base, fingerprint: `other-${this.id}`, input: { different: [true, null, 1.5] } } : base;
    const res = await both(() => model.mem.create(draft, model.now), () => real.handles[this.handle].create(draft, model.now));
    if (res.ok) expect(res.real).toEqual(res.model);
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
    readonly handle: 0 | 1,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.advanceMs;
    const before = await model.mem.get(this.id);
    const request = { owner: this.owner, leaseMs: this.leaseMs, now: model.now };
    const res = await both(() => model.mem.claim(this.id, request), () => real.handles[this.handle].claim(this.id, request));
    if (res.ok) {
      expect(res.real).toEqual(res.model);
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
      expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    } else {
      if (a.status !== 'fulfilled' || b.status !== 'fulfilled') throw new Error(`a racing claim rejected: ${String(a.status === 'rejected' ? a.reason : '')} ${String(b.status === 'rejected' ? b.reason : '')}`);
      const winners = [a.value, b.value].filter((c) => c.claimed);
      // Both may lose (a live lease of w3, or a finished intent); both may never win. The
      // same owner winning twice is impossible here as the owners differ.
      expect(winners.length).toBeLessThanOrEqual(1);
      const winner = winners[0];
      if (winner) {
        const owner = winner.record.leaseOwner as string;
        const modelClaim = await model.mem.claim(this.id, { owner, leaseMs: 40, now });
        expect(modelClaim).toEqual(winner);
        model.totals.claims++;
      } else {
        // The model agrees that neither could claim.
        for (const owner of ['w1', 'w2']) {
          const probe = await rebuildModel([existing]);
          expect((await probe.claim(this.id, { owner, leaseMs: 40, now })).claimed, `${owner} could have claimed`).toBe(false);
        }
      }
    }
    await compare(model, real);
  }
  toString = (): string => `RaceClaim(${this.id}, +${this.advanceMs}ms)`;
}

type ExpectMode = 'current' | 'staleEpoch' | 'otherStatus';
type AttemptMode = 'next' | 'same' | 'skip';

class TransitionCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly to: IntentStatus,
    readonly expectMode: ExpectMode,
    readonly attemptMode: AttemptMode,
    readonly withOutcome: boolean,
    readonly handle: 0 | 1,
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
      expect(res.real).toEqual(res.model);
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
    readonly handle: 0 | 1,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const current = await model.mem.get(this.id);
    const allowed = INTENT_STATUSES.filter((to) => current !== undefined && isAllowedTransition(current.status, to));
    const to = allowed[this.choice % Math.max(1, allowed.length)];
    await new TransitionCmd(this.id, to ?? 'pending', 'current', 'next', true, this.handle).run(model, real);
  }
  toString = (): string => `Advance(${this.id}, ${this.choice}, h${this.handle})`;
}

class ReleaseCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
    readonly staleEpoch: boolean,
    readonly handle: 0 | 1,
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
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const reopen = real.subject.reopen;
    if (!reopen) return;
    const next = await reopen();
    real.handles = [next.store, next.peer ?? next.store];
    model.totals.reopens++;
    await compare(model, real);
  }
  toString = (): string => 'Reopen';
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
    for (const id of IDS) {
      const r = await model.mem.get(id);
      if (!r) continue;
      if (TERMINAL_STATUSES.has(r.status) && r.updatedAt + model.retentionMs <= model.now) gone++;
      else kept.push(r);
    }
    expect(await reap(model.now)).toBe(gone);
    model.mem = await rebuildModel(kept);
    model.totals.reaped += gone;
    await compare(model, real);
  }
  toString = (): string => `Reap(+${this.advanceMs}ms)`;
}

/**
 * Runs the model-based check; resolves the totals (the caller asserts they show real
 * work). Throws (with fast-check's shrunk counterexample) on the first difference.
 */
export async function checkAgainstModel(options: ModelCheckOptions): Promise<ModelTotals> {
  const retentionMs = options.retentionMs ?? 100;
  const id = fc.constantFrom(...IDS);
  const handle = fc.constantFrom<0 | 1>(0, 1);
  const commands = fc.commands<Model, Real, false>(
    [
      fc.tuple(id, handle, fc.boolean()).map(([i, h, o]) => new CreateCmd(i, h, o)),
      fc.tuple(id, handle).map(([i, h]) => new CreateCmd(i, h, false)),
      fc
        .tuple(id, fc.constantFrom('w1', 'w2', 'w3'), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), handle)
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
      fc.tuple(id, fc.nat(11), handle).map(([i, c, h]) => new AdvanceCmd(i, c, h)),
      fc.tuple(id, fc.nat(11), handle).map(([i, c, h]) => new AdvanceCmd(i, c, h)),
      fc.tuple(id, fc.constantFrom('w1', 'w2', 'w3'), fc.boolean(), handle).map(([i, o, s, h]) => new ReleaseCmd(i, o, s, h)),
      fc.constant(new ReopenCmd()),
      fc.integer({ min: 0, max: 2 * retentionMs }).map((a) => new ReapCmd(a)),
    ],
    { maxCommands: options.maxCommands ?? 40, size: 'max' },
  );
  const totals: ModelTotals = { runs: 0, commands: 0, transitions: 0, claims: 0, takeovers: 0, reopens: 0, reaped: 0, races: 0 };
  await fc.assert(
    fc.asyncProperty(commands, async (cmds) => {
      const subject = await options.open();
      const model: Model = { mem: new MemoryLedger(), now: START_AT, totals, retentionMs };
      const real: Real = { handles: [subject.store, subject.peer ?? subject.store], subject, seen: new Map() };
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      } finally {
        await subject.dispose();
      }
      totals.runs++;
      totals.commands += [...cmds].length;
    }),
    { numRuns: options.numRuns ?? 50, seed: options.seed ?? 20_240_611 },
  );
  return totals;
}
