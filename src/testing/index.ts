// `intentkey/testing`: deterministic time and randomness, a fake venue, and the ledger store contract suite for tests of code that uses intentkey.
export { ManualClock } from './manual-clock.js';
export { FixedRandom, SeededRandom } from './seeded-random.js';
export { MemoryLedger } from '../ledger/memory-ledger.js';
export { startFakeVenue, type FakeVenue, type FakeVenueFaults, type FakeVenueOptions, type FakeVenueStats } from './fake-venue.js';
export {
  describeLedgerContract,
  type LedgerContractFactory,
  type LedgerContractOptions,
  type LedgerContractSubject,
  type LedgerContractTestApi,
} from './ledger-contract.js';
