/**
 * Builds, on a real directory, the state a compaction leaves when the process dies at a
 * chosen step while writes go on: the ledger is opened with an io that stops at that
 * step (its file operation waits for a gate), creates are issued and acknowledged
 * meanwhile, and then the step fails, which poisons the ledger. The ledger is closed;
 * the files are what a crash at that moment would leave (every acknowledged write was
 * fdatasynced).
 */
import { setImmediate } from 'node:timers/promises';
import type { IntentDraft } from '../../src/index.js';
import { FileLedger } from '../../src/stores/file/file-ledger.js';
import { InThreadLedgerIo, type LedgerIo } from '../../src/stores/file/io.js';
import { draftFor } from './ledger-workload.js';

/** Where the compaction stops. */
export type CompactionStop =
  /** Before the snapshot is written: the old generation is complete. */
  | 'snapshot'
  /** After the snapshot's rename, before the new log exists: records after the cut are only in the old log. */
  | 'newLog'
  /** After the new log was written with the records that were durable by then, before the switch's append of the rest. */
  | 'switch';

/** The workload's draft (fingerprint `fp-<id>`), created at 1000 ms. */
export const draftOf = (id: string): IntentDraft => draftFor(id, 1000);

export interface InterruptedCompaction {
  /** Ids acknowledged before the compaction started. */
  readonly before: readonly string[];
  /** Ids acknowledged after the compaction's cut: `e*` right after it, `d*` while it was stopped at its step. */
  readonly during: readonly string[];
  /** Whether every create after the cut was acknowledged while the compaction ran (`d*`: while it was stopped); the first that was not ends the series. */
  readonly duringResolvedWhileStopped: boolean;
}

class Stopped extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * Opens a ledger in `dir`, creates `before` intents, starts `compact()`, and stops it at
 * `stop`: `early` creates are issued right after the cut, then the compaction's file
 * operation at `stop` waits while `during` creates are issued one after another; then
 * it fails as if the process died (at 'switch': the new log is written, and the
 * switch to it fails).
 */
export async function interruptCompaction(dir: string, stop: CompactionStop, counts: { before?: number; early?: number; during?: number } = {}): Promise<InterruptedCompaction> {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let reached: () => void = () => undefined;
  const atStop = new Promise<void>((r) => (reached = r));
  class GatedIo extends InThreadLedgerIo {
    override async writeDurable(path: string, data: Uint8Array): Promise<void> {
      const isSnapshot = /snapshot-00000001\.ikl$/.test(path);
      const isLog1 = /log-00000001\.ikl$/.test(path);
      if ((stop === 'snapshot' && isSnapshot) || ((stop === 'newLog' || stop === 'switch') && isLog1)) {
        reached();
        await gate;
        // 'switch': the new log is written (with what was durable when its copy began),
        // and the process dies at the switch, after the writes made meanwhile.
        if (stop !== 'switch') throw new Stopped(`stopped before ${path}`);
      }
      await super.writeDurable(path, data);
    }
    override async openAppend(path: string, fence?: { path: string; token: string }): Promise<void> {
      if (stop === 'switch' && /log-00000001\.ikl$/.test(path)) throw new Stopped(`stopped before switching to ${path}`);
      await super.openAppend(path, fence);
    }
  }
  const io: LedgerIo = new GatedIo();
  const ledger = await FileLedger.open({ dir, io, dangerouslySkipLock: true });
  const before: string[] = [];
  for (let i = 0; i < (counts.before ?? 5); i++) {
    before.push(`b${i}`);
    await ledger.create(draftOf(`b${i}`), 1000);
  }
  const compacting = ledger.compact().catch((e: unknown) => e);
  // A create must be acknowledged while the compaction runs: it is given up to 200
  // turns of the event loop (a durable create through the in-thread io takes a few);
  // one still waiting then was held behind the compaction, and the series ends.
  let duringResolvedWhileStopped = true;
  let held: Promise<unknown> | undefined;
  const during: string[] = [];
  const acknowledged = async (id: string): Promise<boolean> => {
    let done = false;
    const call = ledger.create(draftOf(id), 1000).then(() => (done = true));
    for (let turn = 0; turn < 200 && !done; turn++) await setImmediate();
    if (done) during.push(id);
    else held = call.catch(() => undefined);
    return done;
  };
  // Right after the cut: these go to the old log, and those durable before the copy into
  // the new log begins are in it (the stop at 'switch' then finds a new log with part
  // of the records after the cut, and the old log with all of them).
  for (let i = 0; i < (counts.early ?? 2) && duringResolvedWhileStopped; i++) duringResolvedWhileStopped = await acknowledged(`e${i}`);
  if (duringResolvedWhileStopped) await atStop;
  for (let i = 0; i < (counts.during ?? 3) && duringResolvedWhileStopped; i++) duringResolvedWhileStopped = await acknowledged(`d${i}`);
  release();
  const outcome = await compacting;
  await held;
  if (!(outcome instanceof Error)) throw new Error('the interrupted compaction succeeded');
  await ledger.close();
  return { before, during, duringResolvedWhileStopped };
}
