import { type SavedStateTable, StateTable } from '../sim/state.js';
import type { Footprint } from './footprint.js';
import { FNV_OFFSET, fnv, KeyTable } from './key-table.js';

/**
 * DPOR's cache of explored states (src/explore/strategies/dpor.ts). A state whose every
 * continuation has been explored, from a sleep set no larger than the current one, need not
 * be explored again; but the runs cut there would have raced with the events before them, so
 * each entry keeps a summary of its subtree: every (thread, object, write?) access that any
 * step explored or pending in it made or would make. A run that reaches the state adds the
 * backtrack points those accesses imply (as if each could race with any event of another
 * thread not ordered before its thread: more backtrack points, never fewer).
 *
 * Summaries under construction are bitsets over the accesses seen so far in the search (a
 * dense numbering); the cache maps a state key to an interned (sleep set, summary) entry.
 */
export const MAX_THREADS = 128;

/** A bitset of accesses (see StateCache.access); words past its length are zero. */
export type Summary = number[];

export interface CachedState {
  /** The sleep set the subtree was explored from (the intersection, if explored twice). */
  readonly sleep: readonly number[];
  /** The subtree's accesses: thread, object serial, write?, in parallel arrays. */
  readonly tids: readonly number[];
  readonly serials: readonly number[];
  readonly writes: readonly boolean[];
  readonly summary: Summary;
}

export class StateCache {
  /** The thread histories and state keys the runs intern (see Runtime.stateKey). */
  readonly table = new StateTable();
  /** State key -> entry id. */
  private readonly states = new KeyTable();
  private readonly entries: CachedState[] = [];
  /** Entry ids by hash of their (summary, sleep set). */
  private readonly entryIds = new Map<number, number[]>();
  /** (serial * MAX_THREADS + tid) * 2 + write -> dense access number + 1. */
  private readonly dense: number[] = [];
  private readonly accessTid: number[] = [];
  private readonly accessSerial: number[] = [];
  private readonly accessWrite: boolean[] = [];
  /** Runs cut at a cached state. */
  hits = 0;
  /**
   * Runs that found their state explored from a sleep set the current one lacks threads of:
   * only the traces that start with those threads are explored again.
   */
  partialHits = 0;

  get size(): number {
    return this.states.size;
  }

  /**
   * The cache as JSON, for a checkpoint: a resumed search prunes where the uninterrupted one
   * would, so it makes the same runs. It grows with the states explored.
   */
  save(): SavedStateCache {
    return {
      table: this.table.save(),
      accesses: this.accessTid.map((t, i) => [t, this.accessSerial[i]!, this.accessWrite[i]!]),
      entries: this.entries.map((e) => [[...e.sleep], [...e.summary]]),
      states: [...this.states.entries()],
      hits: this.hits,
      partialHits: this.partialHits,
    };
  }

  /** Replaces the cache by a saved one; false if it is not one. */
  load(x: unknown): boolean {
    if (typeof x !== 'object' || x === null) return false;
    const c = x as Partial<SavedStateCache>;
    const ints = (a: unknown): a is number[] => Array.isArray(a) && a.every((n) => Number.isInteger(n));
    if (!Array.isArray(c.accesses) || !Array.isArray(c.entries) || !Array.isArray(c.states)) return false;
    if (!Number.isInteger(c.hits) || !Number.isInteger(c.partialHits) || !this.table.load(c.table))
      return false;
    this.dense.length = 0;
    this.accessTid.length = 0;
    this.accessSerial.length = 0;
    this.accessWrite.length = 0;
    for (const a of c.accesses) {
      if (!Array.isArray(a) || !ints(a.slice(0, 2)) || typeof a[2] !== 'boolean') return false;
      this.access(a[0], a[1], a[2]);
    }
    this.entries.length = 0;
    this.entryIds.clear();
    for (const e of c.entries) {
      if (!Array.isArray(e) || !ints(e[0]) || !ints(e[1])) return false;
      if (this.entryId(e[0], e[1]) !== this.entries.length - 1) return false;
    }
    this.states.clear();
    for (const st of c.states) {
      if (!Array.isArray(st) || typeof st[0] !== 'string' || !Number.isInteger(st[1])) return false;
      if (st[1] < 0 || st[1] >= this.entries.length) return false;
      this.states.set(st[0], st[1]);
    }
    this.hits = c.hits as number;
    this.partialHits = c.partialHits as number;
    return true;
  }

  /** Adds thread `tid`'s step with footprint `fp` to a summary. */
  add(into: Summary, tid: number, fp: Footprint): void {
    for (let k = 0; k < fp.objs.length; k++) {
      const i = this.access(tid, fp.objs[k]!, fp.writes[k]!);
      const w = i >>> 5;
      while (into.length <= w) into.push(0);
      into[w]! |= 1 << (i & 31);
    }
  }

  private access(tid: number, serial: number, write: boolean): number {
    const code = (serial * MAX_THREADS + tid) * 2 + (write ? 1 : 0);
    let i = this.dense[code];
    if (i === undefined) {
      i = this.accessTid.length + 1;
      this.dense[code] = i;
      this.accessTid.push(tid);
      this.accessSerial.push(serial);
      this.accessWrite.push(write);
    }
    return i - 1;
  }

  /** The entry for state `key`, if it was explored. */
  lookup(key: string): CachedState | null {
    const id = this.states.get(key);
    return id < 0 ? null : this.entries[id]!;
  }

  /** Records that every continuation of `key` from `sleep` was explored, with summary `sum`. */
  store(key: string, sleep: readonly number[], sum: Summary): void {
    const id = this.entryId(sleep, sum);
    const prevId = this.states.putIfAbsent(key, id);
    if (prevId < 0 || prevId === id) return;
    // Explored twice from different sleep sets: together they cover the intersection.
    const prev = this.entries[prevId]!;
    const words = [...sum];
    merge(words, prev.summary);
    this.states.set(
      key,
      this.entryId(
        prev.sleep.filter((r) => sleep.includes(r)),
        words,
      ),
    );
  }

  /** The entry (sleep set, summary) as one interned id; trailing zero words do not count. */
  private entryId(sleep: readonly number[], words: Summary): number {
    let n = words.length;
    while (n > 0 && words[n - 1] === 0) n--;
    let h = FNV_OFFSET;
    for (let w = 0; w < n; w++) h = fnv(h, words[w]!);
    h = fnv(h, -1);
    for (const r of sleep) h = fnv(h, r);
    let bucket = this.entryIds.get(h);
    if (bucket === undefined) {
      bucket = [];
      this.entryIds.set(h, bucket);
    }
    for (const id of bucket) {
      const e = this.entries[id]!;
      if (sameNumbers(e.summary, words, n) && sameNumbers(e.sleep, sleep, sleep.length)) return id;
    }
    const id = this.entries.length;
    this.entries.push(this.entry(sleep, words.slice(0, n)));
    bucket.push(id);
    return id;
  }

  private entry(sleep: readonly number[], words: Summary): CachedState {
    const tids: number[] = [];
    const serials: number[] = [];
    const writes: boolean[] = [];
    for (let w = 0; w < words.length; w++) {
      for (let b = 0; b < 32; b++) {
        if ((words[w]! & (1 << b)) === 0) continue;
        const i = w * 32 + b;
        tids.push(this.accessTid[i]!);
        serials.push(this.accessSerial[i]!);
        writes.push(this.accessWrite[i]!);
      }
    }
    return { sleep: [...sleep], tids, serials, writes, summary: [...words] };
  }
}

export interface SavedStateCache {
  readonly table: SavedStateTable;
  /** By dense access number: [tid, serial, write]. */
  readonly accesses: [number, number, boolean][];
  /** By entry id: [sleep set, summary words]. */
  readonly entries: [number[], number[]][];
  readonly states: [string, number][];
  readonly hits: number;
  readonly partialHits: number;
}

/** a[0..n) equals b[0..n), and a has no more (b may: trailing zero words). */
function sameNumbers(a: readonly number[], b: readonly number[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** into |= from */
export function merge(into: Summary, from: Summary): void {
  while (into.length < from.length) into.push(0);
  for (let w = 0; w < from.length; w++) into[w]! |= from[w]!;
}
