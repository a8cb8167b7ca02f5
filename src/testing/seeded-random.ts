import type { RandomSource } from '../internal/random.js';

/**
 * A deterministic {@link RandomSource} (sfc32) for tests: the same seed gives the
 * same sequence, so jitter and generated keys can be asserted exactly.
 * Never use it in production: keys it generates are predictable.
 */
export class SeededRandom implements RandomSource {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed - any 32-bit integer. */
  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.#u32();
  }

  #u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#u32() / 2 ** 32;
  }

  fill(target: Uint8Array): void {
    for (let i = 0; i < target.length; i++) target[i] = this.#u32() & 0xff;
  }
}

/**
 * A {@link RandomSource} that returns fixed values in turn (then repeats the last),
 * for table tests that need exact jitter draws.
 */
export class FixedRandom implements RandomSource {
  readonly #values: readonly number[];
  #index = 0;

  /** @param values - numbers in `[0, 1)`, returned in order. */
  constructor(values: readonly number[]) {
    if (values.length === 0) throw new RangeError('FixedRandom needs at least one value');
    for (const v of values) if (!(v >= 0 && v < 1)) throw new RangeError(`FixedRandom value ${v} is outside [0, 1)`);
    this.#values = values;
  }

  next(): number {
    const value = this.#values[Math.min(this.#index, this.#values.length - 1)] as number;
    this.#index++;
    return value;
  }

  fill(target: Uint8Array): void {
    for (let i = 0; i < target.length; i++) target[i] = Math.floor(this.next() * 256);
  }
}
