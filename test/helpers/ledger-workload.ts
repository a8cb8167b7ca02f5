import { isDeepStrictEqual } from 'node:util';
import type { IntentDraft, IntentRecord, IntentStatus } from '../../src/ledger/intent.js';
import { TERMINAL_STATUSES } from '../../src/ledger/intent.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { LedgerUnavailableError } from '../../src/errors/index.js';
import { FileLedger, type FileLedgerEvent } from '../../src/stores/file/file-ledger.js';
import { scanSegment } from '../../src/stores/file/format.js';
import { InThreadLedgerIo } from '../../src/stores/file/io.js';
import { createSyncCore, type SYNC_SITES } from '../../src/stores/file/sync-core.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import { CrashFs } from './crash-fs.js';

/**
 * The ledger workload and its oracle shared by the power-loss (B2) and I/O-error (B5)
 * sweeps: a fixed script of creates and transitions against a {@link FileLedger} on a
 * {@link CrashFs}, recording what the ledger acknowledged (ALICE's checker pattern:
 * whatever was reported to the caller must survive).
 */

/** Directory of the ledger inside the in-memory file system. */
export const LEDGER_DIR = '/ledger';

/** The first log file (generation 0). */
export const LOG0 = `${LEDGER_DIR}/log-00000000.ikl`;

/** Epoch ms the torn-tail workload starts at. */
const TORN_START_AT = 1_700_000_000_000;

/** One of the sync sites of the I/O core, for the mutation check. */
export type SyncSite = (typeof SYNC_SITES)[number];

/** How to open a ledger on a crash file system. */
export interface OpenOptions {
  /** Sync site removed from the core (B2.3 mutation check). */
  readonly skipSync?: SyncSite;
  readonly clock: ManualClock;
  readonly onEvent?: (event: FileLedgerEvent) => void;
}

/** Opens a {@link FileLedger} in {@link LEDGER_DIR} on `fs` through the in-thread core. */
export function openLedger(fs: CrashFs, options: OpenOptions): Promise<FileLedger> {
  return FileLedger.open({
    dir: LEDGER_DIR,
    io: new InThreadLedgerIo(createSyncCore(fs.asCoreFs(), options.skipSync)),
    dangerouslySkipLock: true,
    clock: options.clock,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/** A deterministic draft; `fingerprint` and `key` derive from the id so a mix-up shows. */
export function draftFor(id: string, createdAt = 1_700_000_000_000): IntentDraft {
  return {
    id,
    scope: 'acct-1',
    operation: 'order.create',
    businessId: `biz-${id}`,
    venue: 'fake',
    key: `key-${id}`,
    venueKey: `vk-${id}`,
    fingerprint: `fp-${id}`,
    input: { symbol: 'BTCUSDT', qty: id.length, note: `order ${id}` },
    createdAt,
  };
}

/**
 * What was issued to and acknowledged by the ledger, per intent. `MemoryLedger` is run
 * alongside as the model: it gives the exact record each issued call produces.
 *
 * For every intent `history[j]` is the record after its j-th issued write (0 = the
 * create), and `acked` the highest j whose call resolved. A recovered record must equal
 * some `history[j]` with `j >= acked`: a state the intent really went through, no
 * older than the last acknowledged one. Because each intent's writes follow the state
 * machine one after another, this is "at least as advanced" along its own path, and
 * stricter than comparing statuses alone (an inFlight → pending → inFlight path is
 * told apart by the attempt number).
 */
export class IntentOracle {
  readonly model = new MemoryLedger();
  readonly history = new Map<string, IntentRecord[]>();
  readonly acked = new Map<string, number>();
  /** Rejections seen by the workload, in order. */
  readonly rejections: unknown[] = [];
  /** How many `compact()` calls resolved. */
  compactionsAcked = 0;
  #now: number;

  /**
   * @param startAt - epoch ms of the first write; keep it near the ledger's clock so
   *   that no finished intent is old enough for compaction to drop (retention is not
   *   what these sweeps test).
   */
  constructor(startAt: number) {
    this.#now = startAt;
  }

  /** A strictly increasing time for each write, so states differ by `updatedAt` too. */
  tick(): number {
    this.#now += 10;
    return this.#now;
  }

  /**
   * Issues a create to the model and the ledger in one synchronous step (no await in
   * between), so that the ledger sees the call exactly when the workload makes it:
   * races such as a write arriving while compaction starts depend on that timing.
   */
  async create(ledger: FileLedger, draft: IntentDraft): Promise<void> {
    await this.issueCreate(ledger, draft).settled;
  }

  /**
   * Like {@link create}, also returning the ledger's own promise, for a caller that must
   * react exactly when the ledger resolves (without the oracle's bookkeeping hops).
   */
  issueCreate(ledger: FileLedger, draft: IntentDraft): { readonly call: Promise<unknown>; readonly settled: Promise<void> } {
    const now = this.tick();
    const expectedCall = this.model.create(draft, now);
    const call = ledger.create(draft, now);
    const settled = (async () => {
      const expected = await expectedCall;
      if (expected.created) this.history.set(draft.id, [expected.record]);
      const result = await call;
      if (result.created !== expected.created) throw new Error(`create ${draft.id}: created ${result.created}, model ${expected.created}`);
      this.#ack(draft.id, expected.created ? 0 : undefined);
    })();
    return { call, settled };
  }

  /** Moves intent `id` to `to` (the request built from its last issued state), like {@link create}. */
  async transition(ledger: FileLedger, id: string, to: IntentStatus): Promise<void> {
    const history = this.history.get(id);
    const current = history?.at(-1);
    if (!history || !current) throw new Error(`transition of unknown intent ${id}`);
    const request = {
      expectStatus: current.status,
      expectEpoch: current.epoch,
      to,
      now: this.tick(),
      ...(to === 'inFlight' ? { attempt: current.attempt + 1 } : {}),
      ...(to === 'succeeded' || to === 'failed' || to === 'unknown'
        ? { outcome: { kind: to === 'succeeded' ? 'success' : to === 'failed' ? 'fatal' : 'unknown', reason: `${to} ${id}`, ...(to === 'succeeded' ? { result: { orderId: `o-${id}` } } : {}) } }
        : {}),
    };
    const expectedCall = this.model.transition(id, request);
    const call = ledger.transition(id, request);
    const expected = await expectedCall;
    history.push(expected);
    const index = history.length - 1;
    const got = await call;
    if (!isDeepStrictEqual(got, expected)) throw new Error(`transition ${id}: ledger returned ${JSON.stringify(got)}, model ${JSON.stringify(expected)}`);
    this.#ack(id, index);
  }

  /**
   * A copy that goes on separately (for a second run on a copy of the same disk):
   * histories and acknowledgements are copied; the copy's model starts empty, so it can
   * only issue writes for intents it creates itself.
   */
  fork(): IntentOracle {
    const copy = new IntentOracle(this.#now);
    for (const [id, h] of this.history) copy.history.set(id, [...h]);
    for (const [id, a] of this.acked) copy.acked.set(id, a);
    copy.compactionsAcked = this.compactionsAcked;
    return copy;
  }

  /**
   * Records an intent acknowledged before this oracle started (e.g. by an earlier run
   * on the same directory) in its final state. The model does not hold it, so the
   * oracle cannot issue writes for it.
   */
  adopt(record: IntentRecord): void {
    this.history.set(record.id, [record]);
    this.acked.set(record.id, 0);
  }

  #ack(id: string, index: number | undefined): void {
    if (index === undefined) return;
    this.acked.set(id, Math.max(index, this.acked.get(id) ?? -1));
  }

  /**
   * Checks a reopened ledger against what was acknowledged. Returns the violations as
   * sentences (empty when none).
   */
  async check(ledger: FileLedger): Promise<string[]> {
    const violations: string[] = [];
    let found = 0;
    for (const [id, history] of this.history) {
      const acked = this.acked.get(id) ?? -1;
      const record = await ledger.get(id);
      if (!record) {
        if (acked >= 0) violations.push(`acknowledged create of ${id} lost`);
        continue;
      }
      found++;
      const matches = history.flatMap((h, j) => (isDeepStrictEqual(record, h) ? [j] : []));
      if (matches.length === 0) {
        violations.push(`${id} recovered as a state it never had: ${JSON.stringify(record)}`);
        continue;
      }
      const best = Math.max(...matches);
      if (best < acked) {
        const last = history[acked] as IntentRecord;
        violations.push(
          TERMINAL_STATUSES.has(last.status)
            ? `${id}: acknowledged terminal ${last.status} regressed to ${record.status}`
            : `${id}: acknowledged ${last.status}#${last.attempt} regressed to ${record.status}#${record.attempt}`,
        );
      }
    }
    if (ledger.size !== found) violations.push(`ledger holds ${ledger.size} intents, only ${found} were ever issued`);
    return violations;
  }
}

/** Per intent index (mod 10): the statuses it is moved through after its create. */
const PLANS: readonly (readonly IntentStatus[])[] = [
  ['inFlight', 'succeeded'],
  ['inFlight', 'succeeded'],
  ['inFlight', 'succeeded'],
  ['inFlight', 'unknown', 'succeeded'], // reconciled
  ['inFlight', 'failed'],
  ['inFlight', 'unknown'],
  ['inFlight', 'pending', 'inFlight', 'succeeded'], // refused before sending, sent again
  ['inFlight'], // crashed while in flight
  ['failed'], // expired unsent
  [], // never sent
];

/** Number of intents in {@link runWorkload}. */
export const WORKLOAD_INTENTS = 50;

/** Id of workload intent `i`. */
export const intentId = (i: number): string => `i${String(i).padStart(2, '0')}`;

/** What {@link runWorkload} did. */
export interface WorkloadRun {
  readonly oracle: IntentOracle;
  /** True when every step resolved. */
  readonly completed: boolean;
  /** The open ledger (poisoned or not) when the workload stopped; `undefined` if an open failed. */
  readonly ledger: FileLedger | undefined;
  /** Rejection of a `FileLedger.open`, if one failed. */
  readonly openError?: unknown;
}

/**
 * The B2/B5 workload: 50 intents moved through every path of the state machine, half
 * one call at a time and half in concurrent groups of five (group commit), one
 * `compact()` in the middle with creates racing it and going on while it runs, and one clean
 * close-and-reopen (a restart without power loss). Stops at the first rejection: that
 * is where the process died or the ledger was poisoned. The ledger is left open.
 */
export async function runWorkload(fs: CrashFs, options: OpenOptions): Promise<WorkloadRun> {
  const oracle = new IntentOracle(options.clock.now());
  let ledger: FileLedger;
  try {
    ledger = await openLedger(fs, options);
  } catch (error) {
    return { oracle, completed: false, ledger: undefined, openError: error };
  }
  const chain = async (l: FileLedger, i: number): Promise<void> => {
    for (const to of PLANS[i % 10] as readonly IntentStatus[]) await oracle.transition(l, intentId(i), to);
  };
  /** Runs calls together; false (and the rejections recorded) if any rejected. */
  const together = async (calls: Array<Promise<unknown>>): Promise<boolean> => {
    const settled = await Promise.allSettled(calls);
    for (const s of settled) if (s.status === 'rejected') oracle.rejections.push(s.reason);
    return settled.every((s) => s.status === 'fulfilled');
  };
  const stopped = (l: FileLedger | undefined, openError?: unknown): WorkloadRun => ({
    oracle,
    completed: false,
    ledger: l,
    ...(openError === undefined ? {} : { openError }),
  });

  for (let i = 0; i < 25; i++) {
    if (!(await together([oracle.create(ledger, draftFor(intentId(i)))]))) return stopped(ledger);
    if (!(await together([chain(ledger, i)]))) return stopped(ledger);
  }
  // Compaction with writes racing it: one create in flight when compact() is called,
  // and one issued the moment that create resolves. The cut must put each wholly on
  // one side (regression: the second used to land in the new log with an old seq).
  const first = oracle.issueCreate(ledger, draftFor(intentId(25)));
  const compacted = ledger.compact().then(() => {
    oracle.compactionsAcked++;
  });
  const second = first.call.then(() => oracle.create(ledger, draftFor(intentId(26))));
  // Writes are not held while a compaction builds and writes its snapshot: a chain of
  // creates, each issued when the one before resolves, runs while compact() does (at
  // most six), so crash points fall between the cut, the snapshot's rename, the copy of
  // the old log's records after the cut and the switch, with acknowledged writes in each.
  let compacting = true;
  void compacted.finally(() => {
    compacting = false;
  }).catch(() => undefined);
  const during = (async () => {
    for (let k = 0; k < 6 && compacting; k++) await oracle.create(ledger, draftFor(`during-${k}`));
  })();
  if (!(await together([first.settled, compacted, second, during]))) return stopped(ledger);
  if (!(await together([chain(ledger, 25), chain(ledger, 26)]))) return stopped(ledger);
  for (let g = 27; g < WORKLOAD_INTENTS; g += 5) {
    const group = Array.from({ length: Math.min(5, WORKLOAD_INTENTS - g) }, (_, k) => g + k);
    if (!(await together(group.map((i) => oracle.create(ledger, draftFor(intentId(i))))))) return stopped(ledger);
    if (!(await together(group.map((i) => chain(ledger, i))))) return stopped(ledger);
    if (g === 37) {
      // A clean restart: the next open reads the compacted generation and its log.
      await ledger.close();
      try {
        ledger = await openLedger(fs, options);
      } catch (error) {
        return stopped(undefined, error);
      }
    }
  }
  // The same business action again: returns the stored intent, writes nothing.
  if (!(await together([oracle.create(ledger, draftFor(intentId(9)))]))) return stopped(ledger);
  return { oracle, completed: true, ledger };
}

// ---------------------------------------------------------------------------------
// Torn-tail workload: the only path that runs `copy` and `truncate` is the repair of
// a torn tail when a ledger is opened, so the sweeps run it on its own too.

/** A ledger directory whose log ends in a torn record. */
export interface TornBase {
  readonly fs: CrashFs;
  /** The torn log exactly as found before any repair. */
  readonly tornLog: Buffer;
  /** Final acknowledged records of the intents written before the tear. */
  readonly acked: readonly IntentRecord[];
}

/** A ledger whose log ends in a torn record: the last create crashed mid-append and power was lost. */
export async function tornBase(): Promise<TornBase> {
  const fs = new CrashFs();
  const clock = new ManualClock({ now: TORN_START_AT });
  const oracle = new IntentOracle(TORN_START_AT);
  const ledger = await openLedger(fs, { clock });
  for (let i = 0; i < 6; i++) await oracle.create(ledger, draftFor(`t${i}`, TORN_START_AT));
  await oracle.transition(ledger, 't0', 'inFlight');
  await oracle.transition(ledger, 't0', 'succeeded');
  // The next create writes its record (op n+1) and dies in the fdatasync (op n+2).
  fs.crashAt(fs.opCount + 2);
  const dead = await ledger.create(draftFor('t6', TORN_START_AT), TORN_START_AT).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(dead instanceof LedgerUnavailableError) || !fs.crash) throw new Error(`tornBase: the create did not die in its fdatasync (${String(dead)})`);
  const torn = fs.powerLoss('tearAtByte', new SeededRandom(7));
  const tornLog = torn.peekFile(LOG0) as Buffer;
  const scan = scanSegment(tornLog);
  // The setup really produced what it is for: a torn last record after intact ones.
  if (!scan.header || scan.tail !== 'torn') throw new Error('tornBase: the log does not end in a torn record');
  const acked = await Promise.all([...oracle.history.keys()].map(async (id) => (await oracle.model.get(id)) as IntentRecord));
  return { fs: torn, tornLog, acked };
}

/**
 * Opens the torn ledger of `base` (the open repairs the tail), then creates four
 * intents and moves one in flight; stops at the first rejection. The ledger is left open.
 */
export async function runTornWorkload(fs: CrashFs, base: TornBase, options: OpenOptions): Promise<WorkloadRun> {
  const oracle = new IntentOracle(TORN_START_AT + 1_000);
  for (const r of base.acked) oracle.adopt(r);
  let ledger: FileLedger;
  try {
    ledger = await openLedger(fs, options);
  } catch (error) {
    return { oracle, completed: false, ledger: undefined, openError: error };
  }
  try {
    for (let i = 0; i < 4; i++) await oracle.create(ledger, draftFor(`u${i}`, TORN_START_AT));
    await oracle.transition(ledger, 'u0', 'inFlight');
  } catch (error) {
    oracle.rejections.push(error);
    return { oracle, completed: false, ledger };
  }
  return { oracle, completed: true, ledger };
}
