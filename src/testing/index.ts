// `intentkey/testing`: deterministic time and randomness, a fake venue (and its transport-independent core), the ledger store
// contract suite and the model-based store check, for tests of code that uses intentkey.
// Never import `msw` from here: its handlers live in `intentkey/testing/msw`, so users without msw are not broken.
// `fast-check` (optional peer) is loaded only when `checkLedgerAgainstModel` runs, never when this module is imported.
export { ManualClock } from './manual-clock.js';
export { FixedRandom, SeededRandom } from './seeded-random.js';
export { MemoryLedger } from '../stores/memory/memory-ledger.js';
export { startFakeVenue, type FakeVenue, type FakeVenueFaults, type FakeVenueOptions, type FakeVenueStats } from './fake-venue.js';
export {
  createVenueSim,
  VENUE_FAULTS,
  type VenueFault,
  type VenueFaults,
  type VenueSim,
  type VenueSimAnswer,
  type VenueSimOptions,
  type VenueSimRequest,
  type VenueSimResponse,
  type VenueStats,
} from './venue-sim.js';
export {
  describeLedgerContract,
  LEDGER_CONTRACT_GROUPS,
  type LedgerContractFactory,
  type LedgerContractGroup,
  type LedgerContractOptions,
  type LedgerContractSubject,
  type LedgerContractTestApi,
} from './ledger-contract.js';
export {
  checkLedgerAgainstModel,
  type LedgerModelCheckOptions,
  type LedgerModelReopenKeeps,
  type LedgerModelSubject,
  type LedgerModelTotals,
} from './ledger-model.js';
