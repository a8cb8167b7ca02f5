// `intentkey/tools`: the pure functions behind the `intentkey` command (key designer,
// retry-policy timeline and exports, error-code lookup, log-field checklist, ledger
// audit). No I/O: they run the same in a bot, the command and a browser.
export * from './key-designer.js';
export * from './policy.js';
export * from './explain.js';
export * from './log-fields.js';
export * from './audit.js';
// A CSPRNG source for `designKeys` where `node:crypto` is missing (a browser).
export { createWebCryptoRandom } from '../internal/web-random.js';
