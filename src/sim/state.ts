import { SimObject } from './step.js';

/**
 * The identity of a run's state, for a search that caches the states it has explored (DPOR
 * with a state cache, src/explore/strategies/dpor.ts). A state is the shared objects' states
 * (`SimObject.stateKey`) and each thread's local state. A thread is a generator whose locals
 * cannot be read, but it is deterministic: its locals are a function of the values its steps
 * returned, so a thread's state is named by that sequence, interned here as a number
 * (`history`). Two runs that reach equal keys reach the same state, and every continuation
 * of one is a continuation of the other.
 *
 * Only sound for a program whose threads share nothing outside its SimObjects
 * (`Program.closedState`); the runtime tracks histories only for such a program.
 */
export class StateTable {
  /** By history: the histories that extend it, by the value seen (a primitive, or its valueKey). */
  private readonly children: (Map<unknown, number> | undefined)[] = [];
  private histories = 1;
  /**
   * The common values' children, by prev * SMALL_VALUES + smallValue(value) (0: none): a step
   * result is mostly undefined (a write, a lock), a boolean or a small count, and this is
   * looked up on every step of a search that caches states.
   */
  private small = new Int32Array(1 << 10);
  /** Object and thread state keys, as small numbers (see Runtime.stateKey). */
  private readonly keys = new Map<StateKey, number>();
  /** The ids of the integer keys in [-SMALL_KEY_MIN, SMALL_KEY_MAX), by key + SMALL_KEY_MIN (-1: none). */
  private readonly smallKeys = new Int32Array(SMALL_KEY_MIN + SMALL_KEY_MAX).fill(-1);

  /** The history after `prev` sees `value`; -1 (unknown, never cached) for an opaque value. */
  extend(prev: number, value: unknown): number {
    if (prev < 0) return -1;
    const code = smallValue(value);
    if (code >= 0) {
      const at = prev * SMALL_VALUES + code;
      if (at >= this.small.length) {
        const grown = new Int32Array(Math.max(2 * this.small.length, at + 1));
        grown.set(this.small);
        this.small = grown;
      }
      const h = this.small[at]!;
      if (h !== 0) return h;
      const fresh = this.extendSlow(prev, value);
      this.small[at] = fresh;
      return fresh;
    }
    return this.extendSlow(prev, value);
  }

  private extendSlow(prev: number, value: unknown): number {
    let k: unknown = value;
    const type = typeof value;
    if (type === 'string' || type === 'object' || type === 'function' || type === 'symbol') {
      k = valueKey(value, 0);
      if (k === null) return -1;
      // Never equal to a primitive value: those are keys of their own.
      k = `~${k as string}`;
    }
    let m = this.children[prev];
    if (m === undefined) {
      m = new Map();
      this.children[prev] = m;
    }
    let h = m.get(k);
    if (h === undefined) {
      h = this.histories++;
      m.set(k, h);
    }
    return h;
  }

  /** A state key as a small number: equal keys, equal numbers. */
  intern(key: StateKey): number {
    if (typeof key === 'number' && key >= -SMALL_KEY_MIN && key < SMALL_KEY_MAX && (key | 0) === key) {
      const i = key + SMALL_KEY_MIN;
      const id = this.smallKeys[i]!;
      if (id >= 0) return id;
      const fresh = this.internSlow(key);
      this.smallKeys[i] = fresh;
      return fresh;
    }
    return this.internSlow(key);
  }

  private internSlow(key: StateKey): number {
    let n = this.keys.get(key);
    if (n === undefined) {
      n = this.keys.size;
      this.keys.set(key, n);
    }
    return n;
  }

  get size(): number {
    return this.histories;
  }

  /** The table as JSON (a search's checkpoint): ids are kept, so saved state keys stay valid. */
  save(): SavedStateTable {
    const children: [number, [JsonKey, number][]][] = [];
    this.children.forEach((m, prev) => {
      if (m !== undefined) children.push([prev, [...m].map(([k, h]) => [toJson(k), h])]);
    });
    return { histories: this.histories, children, keys: [...this.keys.keys()].map(toJson) };
  }

  /** Replaces the table by a saved one; false if it is not one. */
  load(x: unknown): boolean {
    if (typeof x !== 'object' || x === null) return false;
    const t = x as Partial<SavedStateTable>;
    if (!Number.isInteger(t.histories) || !Array.isArray(t.children) || !Array.isArray(t.keys)) return false;
    this.children.length = 0;
    this.keys.clear();
    this.small.fill(0);
    this.smallKeys.fill(-1);
    for (const c of t.children) {
      if (!Array.isArray(c) || !Number.isInteger(c[0]) || !Array.isArray(c[1])) return false;
      const m = new Map<unknown, number>();
      for (const e of c[1]) {
        if (!Array.isArray(e) || !Number.isInteger(e[1])) return false;
        m.set(fromJson(e[0] as JsonKey), e[1] as number);
      }
      this.children[c[0] as number] = m;
    }
    for (const k of t.keys) {
      if (typeof k !== 'number' && typeof k !== 'string') return false;
      this.keys.set(fromJson(k) as StateKey, this.keys.size);
    }
    this.histories = t.histories as number;
    return true;
  }
}

/** Values with a slot of their own in StateTable.small: undefined, false, true, 0..12. */
const SMALL_VALUES = 16;
function smallValue(v: unknown): number {
  if (v === undefined) return 0;
  if (v === false) return 1;
  if (v === true) return 2;
  if (typeof v === 'number' && v >= 0 && v <= 12 && (v | 0) === v && !Object.is(v, -0)) return 3 + v;
  return -1;
}

const SMALL_KEY_MIN = 1 << 10;
const SMALL_KEY_MAX = 1 << 14;

export interface SavedStateTable {
  readonly histories: number;
  readonly children: [number, [JsonKey, number][]][];
  readonly keys: JsonKey[];
}

/** A history's or state key's key as JSON: finite numbers and strings are themselves. */
type JsonKey = number | string;

// Value keys of strings and objects start with '~' (extend), and the stateKey strings never
// are one of these.
const SPECIAL: [unknown, string][] = [
  [undefined, '!u'],
  [true, '!t'],
  [false, '!f'],
  [Number.NaN, '!NaN'],
  [Number.POSITIVE_INFINITY, '!+Inf'],
  [Number.NEGATIVE_INFINITY, '!-Inf'],
];

function toJson(k: unknown): JsonKey {
  if (typeof k === 'number' && Number.isFinite(k)) return k;
  if (typeof k === 'string') return k;
  for (const [v, s] of SPECIAL) if (Object.is(v, k)) return s;
  throw new Error(`[mmulab internal bug] state table key ${String(k)}`);
}

function fromJson(k: JsonKey): unknown {
  if (typeof k === 'number') return k;
  for (const [v, s] of SPECIAL) if (s === k) return v;
  return k;
}

/** What `SimObject.stateKey` returns for a state it can name: equal states, equal keys. */
export type StateKey = string | number;

/** Appends `n` to a packed key's UTF-16 units: one below 0x8000, else two, the first marked. */
export function packInt(units: number[], n: number): void {
  if (n < 0x8000) units.push(n);
  else if (n < 0x40000000) units.push(0x8000 | (n >>> 15), n & 0x7fff);
  else throw new Error('[mmulab] more than 2^30 distinct object states in one search');
}

/**
 * A value as a string that equal values share: primitives, model objects by creation
 * order, and arrays and plain records of those (a PTE, a fault result). Null when the value
 * is something else (a closure, a class instance that is not a model object): such a value
 * may carry state the key would not see.
 */
export function valueKey(v: unknown, depth = 0): string | null {
  switch (typeof v) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}n`;
    case 'object': {
      if (v === null) return 'n';
      if (v instanceof SimObject) return `#${v.serial}`;
      if (depth >= 4) return null;
      if (Array.isArray(v)) {
        let s = '[';
        for (const x of v) {
          const k = valueKey(x, depth + 1);
          if (k === null) return null;
          s += `${k},`;
        }
        return `${s}]`;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return null;
      let s = '{';
      for (const [f, x] of Object.entries(v as Record<string, unknown>)) {
        const k = valueKey(x, depth + 1);
        if (k === null) return null;
        s += `${f}:${k},`;
      }
      return `${s}}`;
    }
    default:
      return null;
  }
}
