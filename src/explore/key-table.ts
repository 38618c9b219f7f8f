/**
 * A map from state keys (short strings of UTF-16 units, Runtime.stateKey) to small
 * non-negative numbers, kept in typed arrays: open addressing over one arena of key units.
 * A search caches millions of states; as JS strings in a Map, each major garbage collection
 * traced every one of them, and collection took most of a long search's time.
 */
export class KeyTable {
  /** The keys' units, end to end. */
  private units = new Uint16Array(1 << 16);
  private used = 0;
  /**
   * By entry: where its key starts in `units`, its length, its value and its hash (compared
   * before the units, and reused by rehash: with millions of keys, every read of the arena
   * is a cache miss).
   */
  private starts = new Int32Array(1 << 10);
  private hashes = new Int32Array(1 << 10);
  private lengths = new Int32Array(1 << 10);
  private values = new Int32Array(1 << 10);
  private count = 0;
  /** Hash slots: entry index + 1, 0 for empty; a power of two, at most half full. */
  private slots = new Int32Array(1 << 11);

  get size(): number {
    return this.count;
  }

  /** The value of `key`, or -1. */
  get(key: string): number {
    const e = this.indexOf(key);
    return e < 0 ? -1 : this.values[e]!;
  }

  set(key: string, value: number): void {
    const e = this.indexOf(key);
    if (e >= 0) this.values[e] = value;
    else this.insert(key, value);
  }

  /**
   * The entry holding `key`, inserted with value -1 if absent: its index stays valid as the
   * table grows, for valueAt and setAt.
   */
  reserve(key: string): number {
    const e = this.indexOf(key);
    if (e >= 0) return e;
    this.insert(key, -1);
    return this.count - 1;
  }

  valueAt(e: number): number {
    return this.values[e]!;
  }

  setAt(e: number, value: number): void {
    this.values[e] = value;
  }

  /** The entry holding `key`, or -1 with `emptySlot` where it would go. */
  private indexOf(key: string): number {
    const mask = this.slots.length - 1;
    const h = hash(key);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) {
        this.emptySlot = s;
        this.emptyHash = h;
        return -1;
      }
      if (this.hashes[e] === h && this.equals(e, key)) return e;
    }
  }

  private emptySlot = 0;
  private emptyHash = 0;

  /** Adds a key indexOf just did not find, at the slot it found empty. */
  private insert(key: string, value: number): void {
    const e = this.count++;
    if (e === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.values = grow(this.values);
      this.hashes = grow(this.hashes);
    }
    while (this.used + key.length > this.units.length) this.units = grow(this.units);
    for (let i = 0; i < key.length; i++) this.units[this.used + i] = key.charCodeAt(i);
    this.starts[e] = this.used;
    this.lengths[e] = key.length;
    this.values[e] = value;
    this.hashes[e] = this.emptyHash;
    this.used += key.length;
    this.slots[this.emptySlot] = e + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  /** Every (key, value), in insertion order. */
  *entries(): Generator<[string, number]> {
    for (let e = 0; e < this.count; e++) {
      const from = this.starts[e]!;
      yield [String.fromCharCode(...this.units.subarray(from, from + this.lengths[e]!)), this.values[e]!];
    }
  }

  clear(): void {
    this.used = 0;
    this.count = 0;
    this.slots.fill(0);
  }

  private equals(e: number, key: string): boolean {
    if (this.lengths[e] !== key.length) return false;
    const from = this.starts[e]!;
    for (let i = 0; i < key.length; i++) if (this.units[from + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
  }
}

/** FNV-1a, 32 bits: the seed, and one step of the hash over a number. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export function fnv(h: number, n: number): number {
  return Math.imul(h ^ n, FNV_PRIME);
}
const FNV_PRIME = 0x01000193;

/** FNV-1a over the key's UTF-16 units. */
function hash(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = fnv(h, key.charCodeAt(i));
  return h;
}

/** `a` copied into a typed array of twice its length, or of `min` if that is more. */
export function grow<T extends Int32Array | Uint16Array>(a: T, min = 0): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}
