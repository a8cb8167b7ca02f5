export { ManualClock } from './manual-clock.js';
export { FixedRandom, SeededRandom } from './seeded-random.js';
