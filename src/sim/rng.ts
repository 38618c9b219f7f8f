/**
 * A small deterministic PRNG (splitmix32 seeding xorshift128): the same seed gives the same
 * numbers on every machine, which replay tokens and seeds rely on.
 */
export class Rng {
  // The state words are kept as the int32s the bit operations give, not as uint32s (`>>> 0`):
  // the same bits, but V8 stores int32s unboxed, a uint32 above 2^31 as a heap number.
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    const s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    this.a = splitmix32(s, 1);
    this.b = splitmix32(s, 2);
    this.c = splitmix32(s, 3);
    this.d = splitmix32(s, 4) | 1;
  }

  /** A uint32. */
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    const a = t ^ s ^ (s >>> 19);
    this.a = a;
    return a >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }
}

/** The k-th output (from 1) of splitmix32 seeded with `s`. */
function splitmix32(s: number, k: number): number {
  let z = (s + Math.imul(k, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}
