import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { FileLedger } from '../../src/stores/file/file-ledger.js';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from '../../src/ledger/intent.js';
import { INTENT_STATUSES } from '../../src/ledger/intent.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import type { TransitionRequest } from '../../src/ledger/ledger-store.js';
import { isAllowedTransition } from '../../src/ledger/transitions.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import { CrashFs, POWER_LOSS_VARIANTS, type DirDamage, type PowerLossVariant } from '../helpers/crash-fs.js';
import { draftFor, openLedger } from '../helpers/ledger-workload.js';

// B9.1: model-based test of the file ledger against MemoryLedger,
// with compactions and power losses between commands.
//
// What the model does on CrashAndReopen. Every command awaits its call, so at a crash
// every write the ledger ever resolved is acknowledged and must survive; the file
// ledger keeps claims in memory only. So after a power loss the expected ledger is
// `durable`: for each intent its record as of its last acknowledged create or
// transition (that write stored the epoch it had then), or as of the last compaction
// if that came later (a snapshot stores every record with its in-memory epoch, claims
// included), always without lease fields. The model is then rebuilt from `durable` by
// replaying creates, claims and transitions into a fresh MemoryLedger. Leases vanish
// and epochs fall back to the stored ones, as in the file ledger.
//
// One known difference is modelled rather than compared: MemoryLedger.claim sets
// `updatedAt` to the claim time, FileLedger.claim leaves it (only writes change it).
// `writeAt` tracks the time of each intent's last write and is compared with the file
// ledger's `updatedAt`; every other field is compared with MemoryLedger exactly,
// leases included while no crash intervenes.

const START_AT = 1_700_000_000_000;
const IDS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

interface Model {
  mem: MemoryLedger;
  /** What must survive a crash, per intent (see above). */
  durable: Map<string, IntentRecord>;
  /** Time of each intent's last acknowledged write. */
  writeAt: Map<string, number>;
  now: number;
  crashes: number;
  /** Transitions both ledgers accepted. */
  transitions: number;
  compactions: number;
}

interface Real {
  fs: CrashFs;
  ledger: FileLedger;
  clock: ManualClock;
  /** Status last seen per intent, to check every observed change against the state machine. */
  seen: Map<string, IntentStatus>;
}

const withoutLease = (r: IntentRecord): IntentRecord => {
  const { leaseOwner: _o, leaseUntil: _u, ...rest } = r;
  return rest;
};

const errorName = (e: unknown): string => (e instanceof Error ? e.name : `non-error ${String(e)}`);

/** Runs the same call on both; both must resolve to equal values (after `expect`) or reject with the same error class. */
async function both<T>(onModel: () => Promise<T>, onReal: () => Promise<T>): Promise<{ ok: true; model: T; real: T } | { ok: false }> {
  const [m, r] = await Promise.allSettled([onModel(), onReal()]);
  if (m.status === 'fulfilled' && r.status === 'fulfilled') return { ok: true, model: m.value, real: r.value };
  if (m.status === 'rejected' && r.status === 'rejected') {
    expect(errorName(r.reason)).toBe(errorName(m.reason));
    return { ok: false };
  }
  throw new Error(`model ${m.status} (${m.status === 'rejected' ? String(m.reason) : ''}), file ledger ${r.status} (${r.status === 'rejected' ? String(r.reason) : ''})`);
}

/** The model's record as the file ledger should show it. */
function expected(model: Model, r: IntentRecord): IntentRecord {
  return { ...r, updatedAt: model.writeAt.get(r.id) ?? r.updatedAt };
}

/** Checks the file ledger equals the model: every id's record and the resumable list. */
async function compare(model: Model, real: Real): Promise<void> {
  for (const id of IDS) {
    const m = await model.mem.get(id);
    const r = await real.ledger.get(id);
    expect(r).toEqual(m ? expected(model, m) : undefined);
    if (r) {
      const before = real.seen.get(id);
      // §c: every change of status the ledger ever shows is allowed by the state machine.
      if (before !== undefined && before !== r.status) expect(isAllowedTransition(before, r.status), `${id}: ${before} -> ${r.status}`).toBe(true);
      real.seen.set(id, r.status);
    }
  }
  const mList = (await model.mem.listResumable()).map((r) => expected(model, r));
  expect(await real.ledger.listResumable()).toEqual(mList);
}

/** Every record of the model (MemoryLedger has no "list all"; the ids come from IDS). */
async function allRecords(mem: MemoryLedger): Promise<IntentRecord[]> {
  const out: IntentRecord[] = [];
  for (const id of IDS) {
    const r = await mem.get(id);
    if (r) out.push(r);
  }
  return out;
}

/** Records an acknowledged write in the durable view. */
function acked(model: Model, record: IntentRecord): void {
  model.durable.set(record.id, withoutLease(record));
  model.writeAt.set(record.id, record.updatedAt);
}

/**
 * A MemoryLedger holding exactly `records`: each is created, claimed up to its epoch,
 * and moved along an allowed path to its status and attempt; the last step carries its
 * outcome and every step its `updatedAt`.
 */
async function rebuild(records: Iterable<IntentRecord>): Promise<MemoryLedger> {
  const mem = new MemoryLedger();
  for (const r of records) {
    const { status, attempt, epoch, updatedAt, outcome, leaseOwner: _o, leaseUntil: _u, ...draft } = r;
    await mem.create(draft, updatedAt);
    for (let e = 1; e <= epoch; e++) await mem.claim(r.id, { owner: 'rebuild', leaseMs: 1, now: updatedAt });
    await mem.release(r.id, 'rebuild', epoch);
    const steps: Array<{ to: IntentStatus; attempt?: number }> = [];
    for (let a = 1; a <= attempt; a++) {
      if (a > 1) steps.push({ to: 'pending' });
      steps.push({ to: 'inFlight', attempt: a });
    }
    if (status !== 'inFlight' && !(status === 'pending' && attempt === 0)) steps.push({ to: status });
    let current: IntentStatus = 'pending';
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1;
      const request: TransitionRequest = {
        expectStatus: current,
        expectEpoch: epoch,
        to: step.to,
        now: updatedAt,
        ...(step.attempt === undefined ? {} : { attempt: step.attempt }),
        ...(last && outcome !== undefined ? { outcome } : {}),
      };
      await mem.transition(r.id, request);
      current = step.to;
    }
    // The replay must reproduce the record exactly, or the model would drift.
    expect(await mem.get(r.id)).toEqual(r);
  }
  return mem;
}

type Cmd = fc.AsyncCommand<Model, Real>;

class CreateCmd implements Cmd {
  constructor(readonly id: string) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += 1;
    const draft = draftFor(this.id, model.now);
    const res = await both(() => model.mem.create(draft, model.now), () => real.ledger.create(draft, model.now));
    if (res.ok) {
      if (res.model.created) acked(model, res.model.record);
      expect(res.real.created).toBe(res.model.created);
      expect(res.real.record).toEqual(expected(model, res.model.record));
    }
    await compare(model, real);
  }
  toString = (): string => `Create(${this.id})`;
}

/** The same intent id with another fingerprint and input: both return the stored intent unchanged. */
class ReuseKeyOtherPayloadCmd implements Cmd {
  constructor(readonly id: string) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const stored = await model.mem.get(this.id);
    model.now += 1;
    const other: IntentDraft = { ...draftFor(this.id, model.now), fingerprint: `other-${this.id}`, input: { different: true } };
    const res = await both(() => model.mem.create(other, model.now), () => real.ledger.create(other, model.now));
    if (res.ok) {
      if (!stored) acked(model, res.model.record);
      expect(res.real.created).toBe(res.model.created);
      expect(res.real.record).toEqual(expected(model, res.model.record));
      if (stored) {
        expect(res.real.created).toBe(false);
        expect(res.real.record.fingerprint).toBe(stored.fingerprint);
      }
    }
    await compare(model, real);
  }
  toString = (): string => `ReuseKeyOtherPayload(${this.id})`;
}

class ClaimCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly owner: string,
    readonly leaseMs: number,
    readonly advanceMs: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.advanceMs;
    const request = { owner: this.owner, leaseMs: this.leaseMs, now: model.now };
    const res = await both(() => model.mem.claim(this.id, request), () => real.ledger.claim(this.id, request));
    if (res.ok) {
      expect(res.real.claimed).toBe(res.model.claimed);
      expect(res.real.record).toEqual(expected(model, res.model.record));
    }
    await compare(model, real);
  }
  toString = (): string => `Claim(${this.id}, ${this.owner}, ${this.leaseMs}ms, +${this.advanceMs}ms)`;
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
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const current = await model.mem.get(this.id);
    model.now += 1;
    const status = current?.status ?? 'pending';
    const epoch = current?.epoch ?? 0;
    const attempt = current?.attempt ?? 0;
    const outcome: StoredOutcome = { kind: this.to, reason: `to ${this.to} at ${model.now}`, ...(this.to === 'succeeded' ? { result: { n: model.now } } : {}) };
    const request: TransitionRequest = {
      expectStatus: this.expectMode === 'otherStatus' ? (INTENT_STATUSES.find((s) => s !== status) as IntentStatus) : status,
      expectEpoch: this.expectMode === 'staleEpoch' ? epoch - 1 : epoch,
      to: this.to,
      now: model.now,
      ...(this.to === 'inFlight' ? { attempt: attempt + (this.attemptMode === 'next' ? 1 : this.attemptMode === 'skip' ? 2 : 0) } : {}),
      ...(this.withOutcome ? { outcome } : {}),
    };
    const res = await both(() => model.mem.transition(this.id, request), () => real.ledger.transition(this.id, request));
    if (res.ok) {
      acked(model, res.model);
      model.transitions++;
      expect(res.real).toEqual(expected(model, res.model));
    }
    await compare(model, real);
  }
  toString = (): string => `Transition(${this.id} -> ${this.to}, ${this.expectMode}, ${this.attemptMode}${this.withOutcome ? ', outcome' : ''})`;
}

/** Moves an intent along one of the transitions its current status allows (picked by `choice`). */
class AdvanceCmd implements Cmd {
  constructor(
    readonly id: string,
    readonly choice: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const current = await model.mem.get(this.id);
    const allowed = INTENT_STATUSES.filter((to) => current !== undefined && isAllowedTransition(current.status, to));
    const to = allowed[this.choice % Math.max(1, allowed.length)];
    // Nothing allowed (no such intent, or terminal): a forbidden move, which both refuse.
    await new TransitionCmd(this.id, to ?? 'pending', 'current', 'next', true).run(model, real);
  }
  toString = (): string => `Advance(${this.id}, ${this.choice})`;
}

class CompactCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.ledger.compact();
    model.compactions++;
    // The snapshot stores every record as held in memory, epochs from claims included.
    for (const r of await allRecords(model.mem)) model.durable.set(r.id, withoutLease(expected(model, r)));
    await compare(model, real);
  }
  toString = (): string => 'Compact';
}

class CrashAndReopenCmd implements Cmd {
  constructor(
    readonly variant: PowerLossVariant,
    readonly dirs: DirDamage,
    readonly seed: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    // Power fails now; the process is gone with it (its ledger object is just dropped).
    const disk = real.fs.powerLoss(this.variant, new SeededRandom(this.seed), this.dirs);
    real.clock.advance(1_000);
    real.fs = disk;
    real.ledger = await openLedger(disk, { clock: real.clock });
    model.mem = await rebuild(model.durable.values());
    model.writeAt = new Map([...model.durable.values()].map((r) => [r.id, r.updatedAt]));
    model.crashes++;
    await compare(model, real);
  }
  toString = (): string => `CrashAndReopen(${this.variant}, dirs ${this.dirs}, seed ${this.seed})`;
}

const id = fc.constantFrom(...IDS);
const commands = fc.commands<Model, Real, false>(
  [
    id.map((i) => new CreateCmd(i)),
    id.map((i) => new ReuseKeyOtherPayloadCmd(i)),
    fc.tuple(id, fc.constantFrom('w1', 'w2'), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 })).map(([i, o, l, a]) => new ClaimCmd(i, o, l, a)),
    fc
      .tuple(
        id,
        fc.constantFrom(...INTENT_STATUSES),
        fc.constantFrom<ExpectMode>('current', 'current', 'current', 'staleEpoch', 'otherStatus'),
        fc.constantFrom<AttemptMode>('next', 'next', 'next', 'same', 'skip'),
        fc.boolean(),
      )
      .map(([i, to, e, a, o]) => new TransitionCmd(i, to, e, a, o)),
    // Allowed moves, weighted up so that intents travel the whole state machine.
    fc.tuple(id, fc.nat(11)).map(([i, c]) => new AdvanceCmd(i, c)),
    fc.tuple(id, fc.nat(11)).map(([i, c]) => new AdvanceCmd(i, c)),
    fc.constant(new CompactCmd()),
    fc.tuple(fc.constantFrom(...POWER_LOSS_VARIANTS), fc.constantFrom<DirDamage>('keep', 'undo', 'prefix'), fc.integer({ min: 0, max: 1_000_000 })).map(([v, d, s]) => new CrashAndReopenCmd(v, d, s)),
  ],
  { maxCommands: 60, size: 'max' },
);

describe('B9.1 FileLedger against MemoryLedger (model-based, with compaction and power loss)', () => {
  it('equals the model after every command; acknowledged writes survive every crash; only allowed transitions', async () => {
    const totals = { runs: 0, commands: 0, crashes: 0, transitions: 0, compactions: 0 };
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const clock = new ManualClock({ now: START_AT });
        const fs = new CrashFs();
        const ledger = await openLedger(fs, { clock });
        const model: Model = { mem: new MemoryLedger(), durable: new Map(), writeAt: new Map(), now: START_AT, crashes: 0, transitions: 0, compactions: 0 };
        const real: Real = { fs, ledger, clock, seen: new Map() };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        totals.runs++;
        totals.commands += [...cmds].length;
        totals.crashes += model.crashes;
        totals.transitions += model.transitions;
        totals.compactions += model.compactions;
        await real.ledger.close();
      }),
      { numRuns: 200, seed: 20_240_611 },
    );
    console.info(`B9.1: ${JSON.stringify(totals)}`);
    // The runs did exercise crashes, compactions and state changes, not only refusals:
    // on average at least one crash, one compaction and two accepted transitions a run.
    expect(totals.crashes).toBeGreaterThan(totals.runs);
    expect(totals.compactions).toBeGreaterThan(totals.runs);
    expect(totals.transitions).toBeGreaterThan(2 * totals.runs);
  }, 60_000);

  it('the replay that rebuilds the model reproduces records of every shape', async () => {
    const base = draftFor('x', START_AT);
    const shapes: IntentRecord[] = [
      { ...base, status: 'pending', attempt: 0, epoch: 0, updatedAt: START_AT },
      { ...base, status: 'pending', attempt: 2, epoch: 3, updatedAt: START_AT + 5 },
      { ...base, status: 'inFlight', attempt: 1, epoch: 1, updatedAt: START_AT + 1, outcome: { kind: 'x', reason: 'y' } },
      { ...base, status: 'failed', attempt: 0, epoch: 0, updatedAt: START_AT + 2, outcome: { kind: 'fatal', reason: 'expired' } },
      { ...base, status: 'succeeded', attempt: 3, epoch: 4, updatedAt: START_AT + 9, outcome: { kind: 'success', reason: 'ok', result: { id: 1 } } },
      { ...base, status: 'unknown', attempt: 1, epoch: 0, updatedAt: START_AT + 3 },
    ];
    for (const [i, shape] of shapes.entries()) {
      const record = { ...shape, id: `x${i}` };
      const mem = await rebuild([record]);
      expect(isDeepStrictEqual(await mem.get(record.id), record)).toBe(true);
    }
  });
});
