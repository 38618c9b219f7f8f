import { type SavedStateTable, StateTable } from '../sim/state.js';
import { SimObject, type Step } from '../sim/step.js';
import type { Footprint } from './footprint.js';
import { FNV_OFFSET, fnv, grow, KeyTable } from './key-table.js';

/**
 * DPOR's cache of explored states (src/explore/strategies/dpor.ts). A state whose every
 * continuation has been explored, from a sleep set no larger than the current one, need not
 * be explored again; but the runs cut there would have raced with the events before them, so
 * each entry keeps a summary of its subtree: every (thread, object, write?) access that any
 * step explored or pending in it made or would make, with what that access is ordered after
 * (its *roots*, below). A run that reaches the state adds the backtrack points those accesses
 * imply: each races with the last event of another thread on its object that may be
 * co-enabled with it (by its op, `accessOp`) and that its roots do not order before it (more
 * backtrack points than the cut runs would add, never fewer).
 *
 * Roots. Relative to a state S (the stack's events P led to it), the thread clock of an
 * access's thread p just before the access, restricted to P, is the join of the clocks at S
 * of: p itself and every thread with an event in the access's causal past after S (`t`, a
 * mask of thread ids), the last write before S of every object such an event touched (`o`, a
 * mask of object serials), and the reads since that write of every object such an event
 * wrote. Which these are depends only on the path from S, not on P: at a hit through another
 * prefix, the same roots, evaluated on that prefix's clocks, order what the access's thread
 * would be ordered after. Leaving a root out only makes more races, so the reads are left
 * out, so are threads and objects past the masks' 30 bits, and one access seen with several
 * root sets keeps their intersection.
 *
 * Summaries under construction are dense per-access arrays over the accesses seen so far in
 * the search; the cache maps a state key to an interned (sleep set, summary) entry.
 */
export const MAX_THREADS = 128;

/** Distinct ops an access may name (see StateCache.accessOp), and one for none. */
const OPS = 8;

/** Threads and object serials below this have a bit in a root mask. */
export const ROOT_BITS = 30;

/** The root bit of thread id or object serial `n` (0 past ROOT_BITS: left out). */
export function rootBit(n: number): number {
  return n >= 0 && n < ROOT_BITS ? 1 << n : 0;
}

/** A subtree's accesses under construction: by dense access id (StateCache.access), its roots. */
export class Summary {
  /** The accesses present, in the order first added. */
  readonly ids: number[] = [];
  /** By access id: its thread roots (-1: absent), its object roots. */
  readonly t: number[] = [];
  readonly o: number[] = [];

  /** Adds access `id` with roots (t, o); one already present keeps the intersection. */
  put(id: number, t: number, o: number): void {
    const ts = this.t;
    while (ts.length <= id) {
      ts.push(-1);
      this.o.push(0);
    }
    const cur = ts[id]!;
    if (cur < 0) {
      ts[id] = t;
      this.o[id] = o;
      this.ids.push(id);
    } else {
      ts[id] = cur & t;
      this.o[id]! &= o;
    }
  }

  clear(): void {
    for (const id of this.ids) this.t[id] = -1;
    this.ids.length = 0;
  }

  /** For a checkpoint: [access ids, their thread roots, their object roots]. */
  save(): SavedSummary {
    const ids = this.ids;
    return [[...ids], ids.map((id) => this.t[id]!), ids.map((id) => this.o[id]!)];
  }

  static load(x: unknown): Summary | null {
    if (!Array.isArray(x) || x.length !== 3 || !x.every(isInts)) return null;
    const [ids, t, o] = x as SavedSummary;
    if (t.length !== ids.length || o.length !== ids.length || !ids.every((id) => id >= 0)) return null;
    const s = new Summary();
    for (let k = 0; k < ids.length; k++) s.put(ids[k]!, t[k]!, o[k]!);
    return s;
  }
}

export type SavedSummary = [number[], number[], number[]];

const isInts = (a: unknown): a is number[] => Array.isArray(a) && a.every((n) => Number.isInteger(n));

export interface CachedState {
  /** The sleep set the subtree was explored from (the intersection, if explored twice). */
  readonly sleep: readonly number[];
  /**
   * The subtree's accesses: (dense id, thread roots, object roots) triples, by id, at
   * [start, end) of the cache's `arena` (one typed array for all entries: a search keeps
   * hundreds of thousands, and a typed array each cost the collector more than the search).
   */
  readonly start: number;
  readonly end: number;
}

export class StateCache {
  /** The thread histories and state keys the runs intern (see Runtime.stateKey). */
  readonly table = new StateTable();
  /** State key -> entry id; -1 for a state reserved (looked up) and not stored yet. */
  private readonly states = new KeyTable();
  private stored = 0;
  private readonly entries: CachedState[] = [];
  /** The entries' access triples (see CachedState); reallocated as it grows. */
  arena = new Int32Array(1 << 12);
  private arenaUsed = 0;
  /** Entry ids by hash of their (summary, sleep set): open hashing, chained through `next`. */
  private slots = new Int32Array(1 << 10);
  private hashes = new Int32Array(1 << 9);
  private next = new Int32Array(1 << 9);
  /** Sleep sets by their text: entries share them. */
  private readonly sleeps = new Map<string, readonly number[]>();
  /** ((serial * MAX_THREADS + tid) * 2 + write) * OPS + op id -> dense access number + 1. */
  private readonly dense: number[] = [];
  /**
   * By dense access number: its thread, object serial, write? and, for a step on an object
   * that says which steps are co-enabled (SimObject.coEnabled), the step's op (else null).
   */
  readonly accessTid: number[] = [];
  readonly accessSerial: number[] = [];
  readonly accessWrite: boolean[] = [];
  readonly accessOp: (string | null)[] = [];
  /** Op ids, from 1 (0: no op; an op past OPS - 1 is left out, as if the pair were co-enabled). */
  private readonly opIds = new Map<string, number>();
  /** Runs cut at a cached state. */
  hits = 0;
  /**
   * Runs that found their state explored from a sleep set the current one lacks threads of:
   * only the traces that start with those threads are explored again.
   */
  partialHits = 0;

  get size(): number {
    return this.stored;
  }

  /**
   * The cache as JSON, for a checkpoint: a resumed search prunes where the uninterrupted one
   * would, so it makes the same runs. It grows with the states explored.
   */
  save(): SavedStateCache {
    return {
      table: this.table.save(),
      accesses: this.accessTid.map((t, i) => [
        t,
        this.accessSerial[i]!,
        this.accessWrite[i]!,
        this.accessOp[i]!,
      ]),
      entries: this.entries.map((e) => {
        const a = Array.from(this.arena.subarray(e.start, e.end));
        return [
          [...e.sleep],
          a.filter((_, k) => k % 3 === 0),
          a.filter((_, k) => k % 3 === 1),
          a.filter((_, k) => k % 3 === 2),
        ];
      }),
      states: [...this.states.entries()].filter(([, id]) => id >= 0),
      hits: this.hits,
      partialHits: this.partialHits,
    };
  }

  /** Replaces the cache by a saved one; false if it is not one. */
  load(x: unknown): boolean {
    if (typeof x !== 'object' || x === null) return false;
    const c = x as Partial<SavedStateCache>;
    if (!Array.isArray(c.accesses) || !Array.isArray(c.entries) || !Array.isArray(c.states)) return false;
    if (!Number.isInteger(c.hits) || !Number.isInteger(c.partialHits) || !this.table.load(c.table))
      return false;
    this.dense.length = 0;
    this.accessTid.length = 0;
    this.accessSerial.length = 0;
    this.accessWrite.length = 0;
    this.accessOp.length = 0;
    this.opIds.clear();
    for (const a of c.accesses) {
      if (!Array.isArray(a) || !isInts(a.slice(0, 2)) || typeof a[2] !== 'boolean') return false;
      if (a[3] !== null && typeof a[3] !== 'string') return false;
      this.access(a[0], a[1], a[2], a[3]);
    }
    this.entries.length = 0;
    this.arenaUsed = 0;
    this.slots.fill(0);
    for (const e of c.entries) {
      if (!Array.isArray(e) || !isInts(e[0])) return false;
      const sum = Summary.load(e.slice(1));
      if (sum === null || sum.ids.some((id) => id >= this.accessTid.length)) return false;
      if (this.entryId(e[0], sum) !== this.entries.length - 1) return false;
    }
    this.states.clear();
    for (const st of c.states) {
      if (!Array.isArray(st) || typeof st[0] !== 'string' || !Number.isInteger(st[1])) return false;
      if (st[1] < 0 || st[1] >= this.entries.length) return false;
      this.states.set(st[0], st[1]);
    }
    this.stored = this.states.size;
    this.hits = c.hits as number;
    this.partialHits = c.partialHits as number;
    return true;
  }

  /**
   * Adds thread `tid`'s `step` with footprint `fp` (its objects from `from` on; null step: the
   * exit writes), ordered after roots (t, o), to a summary.
   */
  add(into: Summary, tid: number, step: Step | null, fp: Footprint, t: number, o: number, from = 0): void {
    const own = step !== null && step.obj.coEnabled !== SimObject.prototype.coEnabled ? step.obj.serial : -1;
    for (let k = from; k < fp.objs.length; k++) {
      const serial = fp.objs[k]!;
      into.put(this.access(tid, serial, fp.writes[k]!, serial === own ? step!.op : null), t, o);
    }
  }

  /** The dense number of access (thread, object serial, write?, op or null). */
  access(tid: number, serial: number, write: boolean, op: string | null): number {
    let opId = 0;
    if (op !== null) {
      opId = this.opIds.get(op) ?? 0;
      if (opId === 0 && this.opIds.size < OPS - 1) {
        opId = this.opIds.size + 1;
        this.opIds.set(op, opId);
      }
    }
    const code = ((serial * MAX_THREADS + tid) * 2 + (write ? 1 : 0)) * OPS + opId;
    let i = this.dense[code];
    if (i === undefined) {
      i = this.accessTid.length + 1;
      this.dense[code] = i;
      this.accessTid.push(tid);
      this.accessSerial.push(serial);
      this.accessWrite.push(write);
      this.accessOp.push(opId === 0 ? null : op);
    }
    return i - 1;
  }

  /**
   * The slot of state `key` (reserved now if it is new): one hash of the key serves the
   * lookup when the state is reached and the store when its subtree is done.
   */
  slot(key: string): number {
    return this.states.reserve(key);
  }

  /** The entry in `slot`, if its state was explored. */
  at(slot: number): CachedState | null {
    const id = this.states.valueAt(slot);
    return id < 0 ? null : this.entries[id]!;
  }

  /** Records that every continuation of the state in `slot` from `sleep` was explored, with summary `sum`. */
  store(slot: number, sleep: readonly number[], sum: Summary): void {
    const id = this.entryId(sleep, sum);
    const prevId = this.states.valueAt(slot);
    if (prevId < 0) {
      this.states.setAt(slot, id);
      this.stored++;
      return;
    }
    if (prevId === id) return;
    // Explored twice from different sleep sets: together they cover the intersection.
    const prev = this.entries[prevId]!;
    const both = new Summary();
    for (const i of sum.ids) both.put(i, sum.t[i]!, sum.o[i]!);
    const a = this.arena;
    for (let k = prev.start; k < prev.end; k += 3) both.put(a[k]!, a[k + 1]!, a[k + 2]!);
    this.states.setAt(
      slot,
      this.entryId(
        prev.sleep.filter((r) => sleep.includes(r)),
        both,
      ),
    );
  }

  /**
   * The entry (sleep set, summary) as one interned id. The hash adds the accesses' hashes, so
   * that equal summaries built in any order share one entry without sorting them first.
   */
  private entryId(sleep: readonly number[], sum: Summary): number {
    let h = 0;
    for (const i of sum.ids) h = (h + accessHash(i, sum.t[i]!, sum.o[i]!)) | 0;
    h = fnv(fnv(FNV_OFFSET, h), -1);
    for (const r of sleep) h = fnv(h, r);
    const mask = this.slots.length - 1;
    for (let e = this.slots[h & mask]! - 1; e >= 0; e = this.next[e]! - 1) {
      if (this.hashes[e] !== h) continue;
      const entry = this.entries[e]!;
      if (this.sameEntry(entry, sum) && sameNumbers(entry.sleep, sleep)) return e;
    }
    const id = this.entries.length;
    this.entries.push(this.entry(sleep, sum));
    if (id >= this.hashes.length) {
      this.hashes = grow(this.hashes, id + 1);
      this.next = grow(this.next, id + 1);
    }
    this.hashes[id] = h;
    if (2 * (id + 1) > this.slots.length) this.rehash();
    else this.link(id);
    return id;
  }

  private link(id: number): void {
    const slot = this.hashes[id]! & (this.slots.length - 1);
    this.next[id] = this.slots[slot]!;
    this.slots[slot] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.entries.length; id++) this.link(id);
  }

  private entry(sleep: readonly number[], sum: Summary): CachedState {
    const ids = [...sum.ids].sort((a, b) => a - b);
    const start = this.arenaUsed;
    const end = start + 3 * ids.length;
    if (end > this.arena.length) this.arena = grow(this.arena, end);
    const a = this.arena;
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k]!;
      a[start + 3 * k] = i;
      a[start + 3 * k + 1] = sum.t[i]!;
      a[start + 3 * k + 2] = sum.o[i]!;
    }
    this.arenaUsed = end;
    const text = sleep.join(',');
    let shared = this.sleeps.get(text);
    if (shared === undefined) {
      shared = [...sleep];
      this.sleeps.set(text, shared);
    }
    return { sleep: shared, start, end };
  }

  /** Entry `e` holds exactly the accesses of `sum`, with their roots. */
  private sameEntry(e: CachedState, sum: Summary): boolean {
    if (sum.ids.length * 3 !== e.end - e.start) return false;
    const a = this.arena;
    for (let k = e.start; k < e.end; k += 3) {
      const i = a[k]!;
      const t = sum.t[i];
      if (t === undefined || t < 0 || a[k + 1] !== t || a[k + 2] !== sum.o[i]) return false;
    }
    return true;
  }
}

export interface SavedStateCache {
  readonly table: SavedStateTable;
  /** By dense access number: [tid, serial, write, op]. */
  readonly accesses: [number, number, boolean, string | null][];
  /** By entry id: [sleep set, access ids, their thread roots, their object roots]. */
  readonly entries: [number[], number[], number[], number[]][];
  readonly states: [string, number][];
  readonly hits: number;
  readonly partialHits: number;
}

/** An access with its roots, hashed for entryId's order-free sum. */
function accessHash(i: number, t: number, o: number): number {
  const h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(t, 0x85ebca6b) ^ Math.imul(o, 0xc2b2ae35);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
