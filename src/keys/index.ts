export { createKeyGenerator, type KeyStrategy } from './generate.js';
export { deriveKey, type DeriveKeyInput } from './derive.js';
export { assertVenueKey, checkVenueKey, encodeVenueKey } from './venue-key.js';
