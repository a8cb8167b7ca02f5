/**
 * Where the file ledger finds its finished intents after an open or a compaction: not
 * as objects, but as the position of each one's stored record (file, offset, length)
 * plus its `updatedAt` (for retention), in packed typed arrays. A finished intent is
 * read back from its file only when it is asked for (a repeated business action, a
 * listing, a compaction), and its checksum is checked again then.
 *
 * Ids are kept as their UTF-8 bytes in one growing byte arena, found through an
 * open-addressing hash table (linear probing) of entry numbers. A hash match is always
 * confirmed by comparing the id bytes, so two ids with the same hash never stand for
 * each other; the hash only has to spread ids well. About 60 bytes per intent (arena
 * included) against about 1 KB for a decoded record, or 100+ bytes for a
 * `Map<string, number>` entry alone.
 *
 * An open adds a snapshot's entries with {@link FinishedIndex.append}, which does not
 * touch the hash table: the entries are put into the table in one pass when the index
 * is next asked anything, ordered by the slot they hash to, so the table is written
 * almost sequentially (inserting them one by one costs a cache miss each, about a
 * quarter of a second for a million).
 *
 * An entry is never moved or reused for another id: {@link FinishedIndex.remove} marks
 * it dead (its table slot keeps pointing to it, and the same id coming back revives
 * it). Dead entries cost their bytes until the next compaction builds a new index.
 *
 * How it stays consistent with the files: docs/durability.md#finished-intents-the-index-of-positions.
 */

/** Hashes `bytes[start..end)` to an unsigned 32-bit integer. */
export type IdHash = (bytes: Uint8Array, start: number, end: number) => number;

/** FNV-1a, 32 bits: cheap, and spreads short ASCII ids well. */
export const fnv1a32: IdHash = (bytes, start, end) => {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
};

/** Which file of a generation holds a record. */
export const FileKind = { Snapshot: 0, Log: 1 } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** Marks a dead entry in the `kind` array. */
const DEAD = 0xff;
/** Ids longer than this (bytes) are not indexed; the ledger keeps such intents as objects. */
export const MAX_INDEXED_ID_BYTES = 0xffff;

/** Where one finished record is stored. */
export interface FinishedLocation {
  readonly generation: number;
  readonly kind: FileKind;
  /** Offset of the record's frame (its header, not its body) in the file. */
  readonly offset: number;
  /** Body length in bytes. */
  readonly length: number;
  /** The record's `updatedAt`, epoch ms. */
  readonly updatedAt: number;
}

export class FinishedIndex {
  readonly #hash: IdHash;
  #count = 0;
  #live = 0;
  /** Entries below this number are in the table; the rest were appended since and wait for {@link FinishedIndex.#seal}. */
  #tabled = 0;
  #hashes: Uint32Array;
  #idStart: Uint32Array;
  #idLength: Uint16Array;
  #generation: Uint32Array;
  #kind: Uint8Array;
  #offset: Float64Array;
  #length: Uint32Array;
  #updatedAt: Float64Array;
  #arena: Buffer;
  #arenaUsed = 0;
  /**
   * Two numbers per slot: entry number + 1 (0 = empty) and the id's hash, side by side so
   * a probe reads one cache line. Slots: a power of two, at least twice the entries.
   */
  #table: Int32Array;
  #scratch = Buffer.allocUnsafe(256);

  /**
   * @param hash - the id hash; tests inject a weak one to force collisions. @default {@link fnv1a32}
   * @param capacity - entries to make room for at once (grows by doubling past it). @default 1024
   */
  constructor(hash: IdHash = fnv1a32, capacity = 1024) {
    this.#hash = hash;
    const n = Math.max(16, capacity);
    this.#hashes = new Uint32Array(n);
    this.#idStart = new Uint32Array(n);
    this.#idLength = new Uint16Array(n);
    this.#generation = new Uint32Array(n);
    this.#kind = new Uint8Array(n);
    this.#offset = new Float64Array(n);
    this.#length = new Uint32Array(n);
    this.#updatedAt = new Float64Array(n);
    this.#arena = Buffer.allocUnsafe(n * 32);
    this.#table = new Int32Array(2 * tableSizeFor(n));
  }

  /** Live entries (finished intents held). */
  get size(): number {
    this.#sealIfNeeded();
    return this.#live;
  }

  /** Entry numbers ever used (live or dead): valid arguments to the accessors are below it. */
  get entries(): number {
    this.#sealIfNeeded();
    return this.#count;
  }

  /** The live entry of the id in `bytes[start..end)`, or -1. */
  find(bytes: Uint8Array, start: number, end: number): number {
    this.#sealIfNeeded();
    const e = this.#slotEntry(bytes, start, end, this.#hash(bytes, start, end));
    return e >= 0 && this.#kind[e] !== DEAD ? e : -1;
  }

  /** The live entry of `id`, or -1 (always -1 for an id that {@link indexableId} refuses). */
  findId(id: string): number {
    if (!indexableId(id)) return -1;
    const n = this.#encode(id);
    return this.find(this.#scratch, 0, n);
  }

  /**
   * Records where the finished intent whose id is `bytes[start..end)` is stored,
   * replacing what was known of that id.
   *
   * Positional arguments (no location object): an open calls this once per record.
   *
   * @param generation - generation of the file holding the record.
   * @param kind - which file of that generation.
   * @param offset - offset of the record's frame in that file.
   * @param length - the body's length in bytes.
   * @param updatedAt - the record's `updatedAt`, epoch ms.
   * @returns the entry number.
   * @throws RangeError when the id is longer than {@link MAX_INDEXED_ID_BYTES}.
   */
  set(bytes: Uint8Array, start: number, end: number, generation: number, kind: FileKind, offset: number, length: number, updatedAt: number): number {
    const idLength = end - start;
    if (idLength > MAX_INDEXED_ID_BYTES) throw new RangeError(`an indexed id is at most ${MAX_INDEXED_ID_BYTES} bytes, received ${idLength}`);
    this.#sealIfNeeded();
    const h = this.#hash(bytes, start, end);
    if (this.#count === this.#hashes.length) this.#grow();
    const slot = this.#probe(bytes, start, end, h);
    let e = (this.#table[slot] as number) - 1;
    if (e < 0) {
      e = this.#newEntry(bytes, start, end, h);
      this.#table[slot] = e + 1;
      this.#table[slot + 1] = h | 0;
      this.#kind[e] = DEAD;
      this.#tabled = this.#count;
    }
    if (this.#kind[e] === DEAD) this.#live++;
    this.#generation[e] = generation;
    this.#kind[e] = kind;
    this.#offset[e] = offset;
    this.#length[e] = length;
    this.#updatedAt[e] = updatedAt;
    return e;
  }

  /**
   * {@link set} for an id known not to be held yet, without looking it up now: the entry
   * goes into the hash table with the other appended ones when the index is next asked
   * anything (any method but this one and the by-entry accessors). An open appends a
   * snapshot's records, which hold each id once. Should an id be appended twice anyway,
   * or an id already held, the later call wins, as with {@link set}, and the earlier
   * entry is dead.
   *
   * @returns the entry number (final unless the same id is appended again).
   * @throws RangeError when the id is longer than {@link MAX_INDEXED_ID_BYTES}.
   */
  append(bytes: Uint8Array, start: number, end: number, generation: number, kind: FileKind, offset: number, length: number, updatedAt: number): number {
    const idLength = end - start;
    if (idLength > MAX_INDEXED_ID_BYTES) throw new RangeError(`an indexed id is at most ${MAX_INDEXED_ID_BYTES} bytes, received ${idLength}`);
    if (this.#count === this.#hashes.length) this.#grow();
    const e = this.#newEntry(bytes, start, end, this.#hash(bytes, start, end));
    this.#generation[e] = generation;
    this.#kind[e] = kind;
    this.#offset[e] = offset;
    this.#length[e] = length;
    this.#updatedAt[e] = updatedAt;
    this.#live++;
    return e;
  }

  /**
   * A new entry (the caller made room in the entry arrays) holding id `bytes[start..end)`,
   * copied into the arena, with hash `h`. Its location fields are the caller's to set.
   */
  #newEntry(bytes: Uint8Array, start: number, end: number, h: number): number {
    const idLength = end - start;
    if (this.#arenaUsed + idLength > this.#arena.length) this.#growArena(idLength);
    const e = this.#count++;
    this.#hashes[e] = h;
    const at = this.#arenaUsed;
    this.#idStart[e] = at;
    this.#idLength[e] = idLength;
    const arena = this.#arena;
    for (let k = 0; k < idLength; k++) arena[at + k] = bytes[start + k] as number;
    this.#arenaUsed = at + idLength;
    return e;
  }

  /** {@link set} for the id of entry `e` of `other` (copied byte for byte). */
  setFrom(other: FinishedIndex, e: number, generation: number, kind: FileKind, offset: number, length: number, updatedAt: number): number {
    const start = other.#idStart[e] as number;
    return this.set(other.#arena, start, start + (other.#idLength[e] as number), generation, kind, offset, length, updatedAt);
  }

  /**
   * {@link set} for an id given as a string (stored as its UTF-8 bytes).
   * @throws RangeError for an id that {@link indexableId} refuses.
   */
  setId(id: string, generation: number, kind: FileKind, offset: number, length: number, updatedAt: number): number {
    if (!indexableId(id)) throw new RangeError('this id cannot be indexed by its UTF-8 bytes');
    const n = this.#encode(id);
    return this.set(this.#scratch, 0, n, generation, kind, offset, length, updatedAt);
  }

  /** Forgets the finished intent of entry `e` (no-op if it is dead already). */
  remove(e: number): void {
    this.#sealIfNeeded();
    if (this.#kind[e] === DEAD) return;
    this.#kind[e] = DEAD;
    this.#live--;
  }

  /** Forgets `id` if it is held. */
  removeId(id: string): void {
    const e = this.findId(id);
    if (e >= 0) this.remove(e);
  }

  /** Whether entry `e` is live. */
  isLive(e: number): boolean {
    this.#sealIfNeeded();
    return e >= 0 && e < this.#count && this.#kind[e] !== DEAD;
  }

  /** The id of entry `e`. */
  id(e: number): string {
    const start = this.#idStart[e] as number;
    return this.#arena.toString('utf8', start, start + (this.#idLength[e] as number));
  }

  /** Where entry `e`'s record is stored. */
  location(e: number): FinishedLocation {
    return {
      generation: this.#generation[e] as number,
      kind: this.#kind[e] as FileKind,
      offset: this.#offset[e] as number,
      length: this.#length[e] as number,
      updatedAt: this.#updatedAt[e] as number,
    };
  }

  generation(e: number): number {
    return this.#generation[e] as number;
  }

  kind(e: number): number {
    return this.#kind[e] as number;
  }

  offset(e: number): number {
    return this.#offset[e] as number;
  }

  length(e: number): number {
    return this.#length[e] as number;
  }

  updatedAt(e: number): number {
    return this.#updatedAt[e] as number;
  }

  /**
   * The live entries in file order (snapshot before log within a generation, older
   * generations first, then by offset): reading them in this order reads each file
   * front to back.
   */
  inFileOrder(): Int32Array {
    this.#sealIfNeeded();
    const out = new Int32Array(this.#live);
    let n = 0;
    let sorted = true;
    for (let e = 0; e < this.#count; e++) {
      if (this.#kind[e] === DEAD) continue;
      if (n > 0 && this.#before(e, out[n - 1] as number)) sorted = false;
      out[n++] = e;
    }
    if (!sorted) out.sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
    return out;
  }

  #before(a: number, b: number): boolean {
    const ga = this.#generation[a] as number;
    const gb = this.#generation[b] as number;
    if (ga !== gb) return ga < gb;
    const ka = this.#kind[a] as number;
    const kb = this.#kind[b] as number;
    if (ka !== kb) return ka < kb;
    return (this.#offset[a] as number) < (this.#offset[b] as number);
  }

  /** The entry (live or dead) holding exactly these id bytes, or -1. */
  #slotEntry(bytes: Uint8Array, start: number, end: number, h: number): number {
    return (this.#table[this.#probe(bytes, start, end, h)] as number) - 1;
  }

  /** Index in the table of the slot holding these id bytes, or of the empty slot where they would go. */
  #probe(bytes: Uint8Array, start: number, end: number, h: number): number {
    const table = this.#table;
    const mask = (table.length >>> 1) - 1;
    const length = end - start;
    const signed = h | 0;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = slot << 1;
      const v = table[at] as number;
      if (v === 0) return at;
      // A hash match alone is not an id match: the bytes decide.
      if (table[at + 1] === signed && this.#idLength[v - 1] === length && this.#sameId(v - 1, bytes, start, length)) return at;
    }
  }

  #sameId(e: number, bytes: Uint8Array, start: number, length: number): boolean {
    const arena = this.#arena;
    const at = this.#idStart[e] as number;
    for (let k = 0; k < length; k++) if (arena[at + k] !== bytes[start + k]) return false;
    return true;
  }

  #sealIfNeeded(): void {
    if (this.#tabled !== this.#count) this.#seal();
  }

  /** Puts the appended entries into the table (see {@link FinishedIndex.append}). */
  #seal(): void {
    this.#insertRange(this.#tabled, this.#count);
    this.#tabled = this.#count;
  }

  /**
   * Inserts entries `from .. to` into the table, in order of the region of the table
   * their hash leads to (regions of {@link REGION_SLOTS} slots, in table order; entry
   * order kept within a region), so that the table is written nearly front to back. An
   * entry holding the same id as one already in its slot replaces it there, and the one
   * with the lower number (the earlier) is marked dead.
   */
  #insertRange(from: number, to: number): void {
    if (to <= from) return;
    const hashes = this.#hashes;
    const table = this.#table;
    const slots = table.length >>> 1;
    const mask = slots - 1;
    const regionShift = Math.max(0, Math.log2(slots) - REGION_BITS);
    const regions = slots >>> regionShift;
    // Counting sort of the entry numbers by region (stable).
    const starts = new Int32Array(regions + 1);
    for (let e = from; e < to; e++) {
      const r = (((hashes[e] as number) & mask) >>> regionShift) + 1;
      starts[r] = (starts[r] as number) + 1;
    }
    for (let r = 0; r < regions; r++) starts[r + 1] = (starts[r + 1] as number) + (starts[r] as number);
    const order = new Int32Array(to - from);
    for (let e = from; e < to; e++) {
      const r = ((hashes[e] as number) & mask) >>> regionShift;
      order[starts[r] as number] = e;
      starts[r] = (starts[r] as number) + 1;
    }
    const idStart = this.#idStart;
    const idLength = this.#idLength;
    const arena = this.#arena;
    for (let i = 0; i < order.length; i++) {
      const e = order[i] as number;
      const h = hashes[e] as number;
      const signed = h | 0;
      const length = idLength[e] as number;
      const start = idStart[e] as number;
      let slot = h & mask;
      for (;;) {
        const at = slot << 1;
        const v = table[at] as number;
        if (v === 0) {
          table[at] = e + 1;
          table[at + 1] = signed;
          break;
        }
        // The same id again (a hash match alone is not enough): the later entry wins.
        if (table[at + 1] === signed && idLength[v - 1] === length && this.#sameId(v - 1, arena, start, length)) {
          const earlier = Math.min(v - 1, e);
          const later = Math.max(v - 1, e);
          if (this.#kind[earlier] !== DEAD) {
            this.#kind[earlier] = DEAD;
            this.#live--;
          }
          table[at] = later + 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }

  #grow(): void {
    const n = this.#hashes.length * 2;
    const grow = <T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#hashes = grow(this.#hashes, (k) => new Uint32Array(k));
    this.#idStart = grow(this.#idStart, (k) => new Uint32Array(k));
    this.#idLength = grow(this.#idLength, (k) => new Uint16Array(k));
    this.#generation = grow(this.#generation, (k) => new Uint32Array(k));
    this.#kind = grow(this.#kind, (k) => new Uint8Array(k));
    this.#offset = grow(this.#offset, (k) => new Float64Array(k));
    this.#length = grow(this.#length, (k) => new Uint32Array(k));
    this.#updatedAt = grow(this.#updatedAt, (k) => new Float64Array(k));
    if (this.#table.length < 2 * tableSizeFor(n)) {
      this.#table = new Int32Array(2 * tableSizeFor(n));
      // Appended entries not yet in the table wait for the seal.
      this.#insertRange(0, this.#tabled);
    }
  }

  #growArena(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#arenaUsed + need));
    this.#arena.copy(next, 0, 0, this.#arenaUsed);
    this.#arena = next;
  }

  /** Writes `id` as UTF-8 into the scratch buffer; returns its byte length. */
  #encode(id: string): number {
    const need = Buffer.byteLength(id, 'utf8');
    if (need > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(need);
    return this.#scratch.write(id, 0, 'utf8');
  }
}

/** A lone surrogate (in a `u` regex a surrogate pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Whether `id` can be indexed by its UTF-8 bytes: not too long, and well-formed UTF-16
 * (UTF-8 turns every lone surrogate into U+FFFD, so two such ids could share bytes).
 * The ledger keeps intents with other ids as objects.
 */
export function indexableId(id: string): boolean {
  return id.length * 3 <= MAX_INDEXED_ID_BYTES ? !LONE_SURROGATE.test(id) : Buffer.byteLength(id, 'utf8') <= MAX_INDEXED_ID_BYTES && !LONE_SURROGATE.test(id);
}

/** log2 of the slots in one region of the table that {@link FinishedIndex} fills at a time (4,096 slots, 32 KiB). */
const REGION_BITS = 12;

/** Smallest power of two at least twice `entries` (load factor at most one half). */
function tableSizeFor(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}
