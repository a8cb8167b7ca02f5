/**
 * CRC-32C (Castagnoli), the checksum the file ledger puts on every record and segment
 * header (docs/durability.md#records). We use the Castagnoli polynomial rather than the zlib
 * CRC-32 because it has a larger minimum Hamming distance at record sizes up to a few
 * KiB, and it is what LevelDB, RocksDB, PostgreSQL and iSCSI use, so published check
 * values exist to test against.
 *
 * Parameters (the usual "CRC-32C" / "CRC-32/ISCSI" catalogue entry): reflected input and
 * output, polynomial 0x1EDC6F41 (0x82F63B78 reflected), initial value and final XOR
 * 0xFFFFFFFF.
 */

/** A CRC-32C over `data[start .. end)`, continuing from `initial`; see {@link crc32cRange}. */
export type Crc32cRange = (data: Uint8Array, start: number, end: number, initial?: number) => number;

/**
 * Builds the slicing-by-8 CRC-32C function ({@link crc32cRange}). The writer thread
 * (writer-thread.ts) uses it too, to check a snapshot's records while the main thread
 * reads them (see `readCheckedInto` in io.ts).
 *
 * The eight 256-entry tables: `tables[k * 256 + b]` is the CRC register contribution of
 * byte `b` followed by `k` zero bytes, so eight input bytes can be folded in with eight
 * independent look-ups instead of eight dependent ones. A single-table, byte-at-a-time
 * loop runs at a few hundred MB/s in V8; slicing-by-8 is several times faster, which
 * matters because opening a ledger checksums every byte of it, and the torn-tail sweep
 * in the tests checksums about a gigabyte.
 */
export function makeCrc32cRange(): Crc32cRange {
  // Reflected CRC-32C polynomial.
  const polynomial = 0x82f63b78;
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    t[b] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = t[(k - 1) * 256 + b] as number;
      t[k * 256 + b] = (previous >>> 8) ^ (t[previous & 0xff] as number);
    }
  }
  return (data: Uint8Array, start: number, end: number, initial = 0): number => {
    let crc = ~initial | 0;
    let i = start;
    const blockEnd = end - ((end - start) & 7);
    // Indexing a Uint8Array byte by byte avoids DataView's alignment and bounds overhead
    // and works for any byteOffset; V8 turns these into plain loads.
    while (i < blockEnd) {
      crc ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
      crc =
        (t[1792 + (crc & 0xff)] as number) ^
        (t[1536 + ((crc >>> 8) & 0xff)] as number) ^
        (t[1280 + ((crc >>> 16) & 0xff)] as number) ^
        (t[1024 + (crc >>> 24)] as number) ^
        (t[768 + (data[i + 4] as number)] as number) ^
        (t[512 + (data[i + 5] as number)] as number) ^
        (t[256 + (data[i + 6] as number)] as number) ^
        (t[data[i + 7] as number] as number);
      i += 8;
    }
    while (i < end) {
      crc = (t[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
      i++;
    }
    return ~crc >>> 0;
  };
}

/**
 * Computes the CRC-32C of `data[start .. end)` without creating a subarray, for callers
 * that checksum many small ranges of one buffer (the log scanner does one per record,
 * and a view per record costs about as much as checksumming a short body).
 *
 * @param data - the buffer holding the range.
 * @param start - index of the first byte to include; must be `>= 0`.
 * @param end - index just past the last byte; must be `<= data.length` and `>= start`.
 * @param initial - as for {@link crc32c}. Default `0`.
 * @returns the checksum as an unsigned 32-bit integer.
 */
export const crc32cRange: Crc32cRange = makeCrc32cRange();

/**
 * Computes the CRC-32C of `data`.
 *
 * @param data - the bytes to checksum (any view; its `byteOffset` need not be aligned).
 * @param initial - the CRC of the bytes that came before `data`, to continue a checksum
 *   across several buffers: `crc32c(b, crc32c(a))` equals `crc32c(a ++ b)`.
 *   Default `0`, the CRC of no bytes.
 * @returns the checksum as an unsigned 32-bit integer (`0` to `2^32 - 1`).
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')) === 0xe3069283
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return crc32cRange(data, 0, data.length, initial);
}
