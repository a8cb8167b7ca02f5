import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntentDraft } from '../../src/index.js';
import { FileLedger } from '../../src/stores/file/file-ledger.js';
import { InThreadLedgerIo } from '../../src/stores/file/io.js';

// Regression: compaction used to take its cut (S = last seq issued) one or more
// microtasks after its barrier resolved. A create() issued in that gap got a seq <= S,
// was held during the compaction and then appended to the new log, which starts at
// S + 1; every later open refused the ledger ("sequence went backwards") although
// each of those writes had been acknowledged.

const roots: string[] = [];
afterEach(() => {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});
function ledgerDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'intentkey-cut-'));
  roots.push(root);
  return join(root, 'ledger');
}
const draft = (id: string): IntentDraft => ({
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
const open = (dir: string): Promise<FileLedger> => FileLedger.open({ dir, io: new InThreadLedgerIo() });

describe('compaction cut', () => {
  // Two orders of issuing: compact() first and the create chained on an earlier
  // create, and the chained create registered before compact(). Both put the new
  // create into the microtask gap between the old barrier and the old cut.
  for (const compactFirst of [true, false]) {
    it(`a create acknowledged while compact() starts survives reopen (compact ${compactFirst ? 'first' : 'second'})`, async () => {
      const dir = ledgerDir();
      const a = await open(dir);
      await a.create(draft('a'), 1000);
      const b = a.create(draft('b'), 1000);
      let compacted: Promise<void>;
      let c: Promise<unknown>;
      if (compactFirst) {
        compacted = a.compact();
        c = b.then(() => a.create(draft('c'), 1000));
      } else {
        c = b.then(() => a.create(draft('c'), 1000));
        compacted = a.compact();
      }
      await Promise.all([b, compacted, c]);
      await a.create(draft('d'), 1000);
      await a.close();

      const reopened = await open(dir);
      for (const id of ['a', 'b', 'c', 'd']) expect((await reopened.get(id))?.fingerprint).toBe(`fp-${id}`);
      await reopened.close();
    });
  }

  it('automatic compaction under 8 concurrent writers: the ledger reopens with every intent, and compaction still runs during the load', async () => {
    const dir = ledgerDir();
    const compactions: number[] = [];
    // Small threshold so that several compactions fall inside the load.
    const ledger = await FileLedger.open({
      dir,
      io: new InThreadLedgerIo(),
      compactAfterBytes: 4096,
      onEvent: (e) => {
        if (e.type === 'compacted') compactions.push(e.liveIntents);
      },
    });
    const writers = 8;
    // Each writer creates until two compactions have completed during the load (at
    // most 400 creates each): the writers keep the queue busy until then, and writes are
    // never held for a compaction's whole run, so it must finish while they go on.
    const maxPerWriter = 400;
    const created: number[] = Array.from({ length: writers }, () => 0);
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        while (compactions.length < 2 && (created[w] as number) < maxPerWriter) {
          // Each create from a macrotask of its own, as from a request handler: with the
          // in-thread io every write resolves in microtasks, and writers chaining creates
          // there would never let the event loop turn (nor the compaction, which yields
          // to it while it encodes its snapshot).
          await setImmediate();
          await ledger.create(draft(`${w}-${created[w] as number}`), 1000);
          created[w] = (created[w] as number) + 1;
        }
      }),
    );
    const total = created.reduce((a, b) => a + b, 0);
    await ledger.close();

    const reopened = await open(dir);
    expect(reopened.size).toBe(total);
    await reopened.close();
    // A fix that waited for a moment with no write queued would starve here: the
    // writers keep the queue busy, so no compaction could finish before the cap.
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    expect(total).toBeLessThan(writers * maxPerWriter);
  });
});
