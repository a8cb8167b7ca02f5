import * as nodeCrypto from 'node:crypto';

/**
 * `crypto.hash` (Node 20.12 and later): one native call, without the `Hash` object that
 * `createHash().update().digest()` builds for every digest. Read from the namespace so
 * that older Node versions, which lack it, fall back instead of failing to load.
 */
const oneShot = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

/** SHA-256 block size in bytes: HMAC pads its key to it. */
const BLOCK_BYTES = 64;

/** SHA-256 of the UTF-8 bytes of `text`, as lowercase hex. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : nodeCrypto.createHash('sha256').update(text).digest('hex');
}

/**
 * HMAC-SHA256 (RFC 2104) under one fixed key, for many short messages.
 *
 * The caller allocates `gap` bytes more than its message and writes the message after
 * them; `mac` fills the gap with the key's inner pad, so the inner hash is one call over
 * one buffer, with no copying. The pads are computed once, here. Where `crypto.hash` is
 * missing, `mac` is `createHmac` over the message part. The buffer's gap is overwritten.
 */
export interface FixedKeyHmac {
  /** Bytes to leave free before the message. */
  readonly gap: number;
  /**
   * The 32-byte MAC of `buffer.subarray(gap)`. The returned buffer may be reused by the
   * next call: read or copy it before calling again.
   */
  mac(buffer: Buffer): Buffer;
}

/** Prepares HMAC-SHA256 under `key` (a string is taken as UTF-8, as `createHmac` does). */
export function createFixedKeyHmac(key: string | Uint8Array): FixedKeyHmac {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  const hash = oneShot;
  if (!hash) {
    return { gap: 0, mac: (buffer) => nodeCrypto.createHmac('sha256', keyBytes).update(buffer).digest() };
  }
  // A key longer than a block is replaced by its hash; a shorter one is padded with zeros.
  const block = Buffer.alloc(BLOCK_BYTES);
  (keyBytes.length > BLOCK_BYTES ? hash('sha256', keyBytes, 'buffer') : keyBytes).copy(block);
  const innerPad = Buffer.alloc(BLOCK_BYTES);
  // The outer hash input: the outer pad, then the 32-byte inner hash (rewritten per MAC;
  // safe to share, as a MAC is computed synchronously).
  const outer = Buffer.alloc(BLOCK_BYTES + 32);
  const result = Buffer.alloc(32);
  for (let i = 0; i < BLOCK_BYTES; i++) {
    innerPad[i] = (block[i] as number) ^ 0x36;
    outer[i] = (block[i] as number) ^ 0x5c;
  }
  block.fill(0);
  return {
    gap: BLOCK_BYTES,
    mac: (buffer) => {
      innerPad.copy(buffer, 0);
      // Digests as hex written into buffers made once: a 'buffer' digest allocates a new
      // backing store per call and costs twice as much.
      outer.write(hash('sha256', buffer, 'hex'), BLOCK_BYTES, 'hex');
      result.write(hash('sha256', outer, 'hex'), 0, 'hex');
      return result;
    },
  };
}
