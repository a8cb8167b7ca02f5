import type { RandomSource } from '../injectables.js';

/**
 * A CSPRNG-backed {@link RandomSource} on the Web Crypto API (`globalThis.crypto`, in
 * browsers and in Node 20 alike), with no `node:` import: the source the tools of
 * `intentkey/tools` use by default, and the one the docs site's playground passes to the
 * key designer. One `getRandomValues` call per value; the client's own source
 * (`createCryptoRandom`, src/internal/random.ts) buffers for speed.
 */
export function createWebCryptoRandom(): RandomSource {
  const word = new Uint32Array(1);
  return {
    next(): number {
      globalThis.crypto.getRandomValues(word);
      return (word[0] as number) / 2 ** 32;
    },
    fill(target: Uint8Array): void {
      globalThis.crypto.getRandomValues(target);
    },
  };
}
