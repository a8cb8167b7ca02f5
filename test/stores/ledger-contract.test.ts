import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file/file-ledger.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { describeLedgerContract } from '../../src/testing/index.js';

// The LedgerStore contract suite (exported from `intentkey/testing`) against the two
// in-process stores. The PostgreSQL and Redis stores run it in their own files.

describeLedgerContract('MemoryLedger', { describe, it }, async () => ({ store: new MemoryLedger() }));

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
});
