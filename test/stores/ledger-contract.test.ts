import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { FileLedger } from '../../src/stores/file/file-ledger.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { describeLedgerContract } from '../../src/testing/index.js';
import { oneByOne } from '../helpers/ledger-wrappers.js';

// The LedgerStore contract suite (exported from `intentkey/testing`) against the two
// in-process stores. The PostgreSQL and Redis stores run it in their own files.

describeLedgerContract('MemoryLedger', { describe, it }, async () => ({ store: new MemoryLedger() }), { requireList: true, requireClaimResumable: true });

describeLedgerContract('FileLedger', { describe, it }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'intentkey-contract-'));
  const dir = join(root, 'ledger');
  return {
    store: await FileLedger.open({ dir }),
    reopen: () => FileLedger.open({ dir }),
    dispose: async () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}, { requireList: true, requireClaimResumable: true });

// `list` is optional in LedgerStore: a custom store without it passes the suite (its list
// checks pass vacuously) unless the caller says requireList, as every shipped store does.
describeLedgerContract('a store without list (MemoryLedger minus list)', { describe, it }, async () => ({ store: oneByOne(new MemoryLedger(), { list: false }) }));
