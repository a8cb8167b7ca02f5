// `intentkey/stores/file`: the durable single-process ledger in a local directory (the
// default ledger of `createIntentClient`). The root `intentkey` re-exports `FileLedger` too.
export { FileLedger, type FileLedgerEvent, type FileLedgerOptions } from './file-ledger.js';
export type { InputCodec } from '../../ledger/ledger-store.js';
