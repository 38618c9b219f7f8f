/**
 * A small deterministic PRNG (splitmix32 seeding xorshift128): the same seed gives the same
 * numbers on every machine, which replay tokens and seeds rely on.
 */
export class Rng {
  // The state words are kept as int32 (`| 0`), not uint32 (`>>> 0`): the same bits, but small
  // integers V8 stores unboxed, where a uint32 above 2^31 is a heap number on every write.
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return z ^ (z >>> 16);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
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
