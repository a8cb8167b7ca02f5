/**
 * Builds, on a real directory, the state a compaction leaves when the process dies at a
 * chosen step while writes go on: the ledger is opened with an io that stops at that
 * step (its file operation waits for a gate), creates are issued and acknowledged
 * meanwhile, and then the step fails, which poisons the ledger. The ledger is closed;
 * the files are what a crash at that moment would leave (every acknowledged write was
 * fdatasynced).
 */
import type { IntentDraft } from '../../src/index.js';
import { FileLedger } from '../../src/stores/file/file-ledger.js';
import { InThreadLedgerIo, type LedgerIo } from '../../src/stores/file/io.js';

/** Where the compaction stops. */
export type CompactionStop =
  /** Before the snapshot is written: the old generation is complete. */
  | 'snapshot'
  /** After the snapshot's rename, before the new log exists: records after the cut are only in the old log. */
  | 'newLog'
  /** After the new log was written with the records that were durable by then, before the switch's append of the rest. */
  | 'switch';

export const draftOf = (id: string): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: `fp-${id}`,
  input: { id },
  createdAt: 1000,
});

export interface InterruptedCompaction {
  /** Ids acknowledged before the compaction started. */
  readonly before: readonly string[];
  /** Ids acknowledged after the compaction's cut: `e*` right after it, `d*` while it was stopped at its step. */
  readonly during: readonly string[];
  /** Whether the creates issued during the compaction resolved while it was still stopped. */
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
  const during: string[] = [];
  // Right after the cut: these go to the old log and are durable before the copy into
  // the new log begins, so the new log holds them (the stop at 'switch' then finds a
  // new log with part of the records after the cut, and the old log with the rest).
  for (let i = 0; i < (counts.early ?? 2); i++) {
    await ledger.create(draftOf(`e${i}`), 1000);
    during.push(`e${i}`);
  }
  await atStop;
  for (let i = 0; i < (counts.during ?? 3); i++) {
    await ledger.create(draftOf(`d${i}`), 1000);
    during.push(`d${i}`);
  }
  // Still stopped here: the creates did not wait for the compaction.
  const duringResolvedWhileStopped = during.length === (counts.early ?? 2) + (counts.during ?? 3);
  release();
  const outcome = await compacting;
  if (!(outcome instanceof Error)) throw new Error('the interrupted compaction succeeded');
  await ledger.close();
  return { before, during, duringResolvedWhileStopped };
}
