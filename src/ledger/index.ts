// `intentkey/ledger`: what the author of a third-party `LedgerStore` needs beyond the
// types in `intentkey`: the request and result shapes of every store method, the status
// lists and the transition table. Run the contract suite of `intentkey/testing` against
// the store (docs/stores.md#the-contract-suite).
export type {
  ClaimRequest,
  ClaimResult,
  ClaimResumableRequest,
  CreateInFlight,
  InputCodec,
  LedgerCapabilities,
  LedgerStore,
  ListRecordsQuery,
  TransitionRequest,
} from './ledger-store.js';
export { INTENT_STATUSES, TERMINAL_STATUSES } from './intent.js';
export type { IntentDraft, IntentRecord, IntentStatus, IntentView, ParkedState, Resolution, StoredOutcome } from './intent.js';
export { isAllowedTransition, RESUMABLE_STATUSES } from './transitions.js';
