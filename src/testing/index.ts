// `intentkey/testing`: deterministic time and randomness, a fake venue (and its transport-independent core), and the ledger store contract suite for tests of code that uses intentkey.
// Never import `msw` from here: its handlers live in `intentkey/testing/msw`, so users without msw are not broken.
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
  type LedgerContractFactory,
  type LedgerContractOptions,
  type LedgerContractSubject,
  type LedgerContractTestApi,
} from './ledger-contract.js';
