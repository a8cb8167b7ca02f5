import { describe, expect, it } from 'vitest';
import type { FileLedger } from '../../src/stores/file/file-ledger.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import { checkLedgerAgainstModel } from '../../src/testing/index.js';
import { CrashFs, POWER_LOSS_VARIANTS, type DirDamage, type PowerLossVariant } from '../helpers/crash-fs.js';
import { openLedger } from '../helpers/ledger-workload.js';

// B9.1: model-based test of the file ledger against MemoryLedger (the published
// `checkLedgerAgainstModel`), with compactions and power losses between commands.
//
// Every command awaits its call, so at a crash every write the ledger ever resolved is
// acknowledged and must survive; the file ledger keeps claims in memory only. A reopen
// here is a power loss, so the model expects `reopenKeeps: 'acknowledgedWrites'`: for
// each intent its record as of its last acknowledged create or transition (that write
// stored the epoch it had then), or as of the last compaction (the checkpoint) if that
// came later (a snapshot stores every record with its in-memory epoch, claims included),
// always without lease fields. Leases vanish and epochs fall back to the stored ones.

const START_AT = 1_700_000_000_000;
const DIR_DAMAGE: readonly DirDamage[] = ['keep', 'undo', 'prefix'];

/** The power loss a reopen seed stands for: variant, directory damage, and the seed of its random choices. */
function powerLossOf(seed: number): { variant: PowerLossVariant; dirs: DirDamage } {
  const variant = POWER_LOSS_VARIANTS[seed % POWER_LOSS_VARIANTS.length] as PowerLossVariant;
  const dirs = DIR_DAMAGE[Math.floor(seed / POWER_LOSS_VARIANTS.length) % DIR_DAMAGE.length] as DirDamage;
  return { variant, dirs };
}

describe('B9.1 FileLedger against MemoryLedger (model-based, with compaction and power loss)', () => {
  it('equals the model after every command; acknowledged writes survive every crash; only allowed transitions', async () => {
    const seen = { variants: new Set<PowerLossVariant>(), dirs: new Set<DirDamage>() };
    const totals = await checkLedgerAgainstModel({
      reopenKeeps: 'acknowledgedWrites',
      intents: 6,
      maxCommands: 60,
      numRuns: 200,
      open: async () => {
        const clock = new ManualClock({ now: START_AT });
        let fs = new CrashFs();
        let ledger: FileLedger = await openLedger(fs, { clock });
        return {
          store: ledger,
          // Power fails now; the process is gone with it (its ledger object is just dropped).
          reopen: async (seed) => {
            const { variant, dirs } = powerLossOf(seed);
            seen.variants.add(variant);
            seen.dirs.add(dirs);
            fs = fs.powerLoss(variant, new SeededRandom(seed), dirs);
            clock.advance(1_000);
            ledger = await openLedger(fs, { clock });
            return { store: ledger };
          },
          checkpoint: () => ledger.compact(),
          dispose: () => ledger.close(),
        };
      },
    });
    console.info(`B9.1: ${JSON.stringify(totals)}`);
    // The runs did exercise crashes, compactions and state changes, not only refusals:
    // on average at least one crash, one compaction and two accepted transitions a run,
    // and every kind of power loss.
    expect(totals.runs).toBe(200);
    expect(totals.reopens).toBeGreaterThan(totals.runs);
    expect(totals.checkpoints).toBeGreaterThan(totals.runs);
    expect(totals.transitions).toBeGreaterThan(2 * totals.runs);
    expect(totals.takeovers).toBeGreaterThan(0);
    expect([...seen.variants].sort()).toEqual([...POWER_LOSS_VARIANTS].sort());
    expect([...seen.dirs].sort()).toEqual([...DIR_DAMAGE].sort());
  }, 60_000);
});
