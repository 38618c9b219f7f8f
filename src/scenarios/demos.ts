import type { Retry } from '../sim/api.js';
import {
  RETRY,
  rcuReadLock,
  rcuReadUnlock,
  readSeqbegin,
  readSeqretry,
  retryLoop,
  Seqlock,
  SpinLock,
  spinLock,
  spinUnlock,
  synchronizeRcu,
  Word,
  writeSeqlock,
  writeSequnlock,
} from '../sim/index.js';
import type { Program } from '../sim/program.js';
import type { Sim, SimObject } from '../sim/step.js';

/**
 * The runtime's demo programs: small, each showing one thing the runtime finds or proves.
 * They are what `npm start` ran before the catalogue existed, and what the runtime's tests
 * and benchmark use.
 */
export interface Demo extends Program {
  readonly description: string;
  /** The verdict an exhaustive search must reach. */
  readonly expect: 'violation' | 'verified';
}

/** Two threads increment a counter with a plain load and store: an update is lost. */
export const lostUpdate: Demo = {
  name: 'lost-update',
  description: 'two unlocked read-then-write increments of one counter lose an update',
  expect: 'violation',
  setup(rt) {
    const counter = new Word('counter', 0);
    const done = new Word('done', 0);
    for (const name of ['inc0', 'inc1']) {
      rt.spawn(name, function* () {
        const v = yield* counter.read();
        yield* counter.write(v + 1);
        yield* done.add(1);
      });
    }
    rt.invariant('lost-update', () =>
      done.value === 2 && counter.value !== 2 ? `counter is ${counter.value} after two increments` : null,
    );
  },
};

/** ABBA: two threads take two spinlocks in opposite orders. */
export const lockOrderInversion: Demo = {
  name: 'lock-order-inversion',
  description: 'two threads take locks A and B in opposite orders: an ABBA deadlock',
  expect: 'violation',
  setup(rt) {
    const a = new SpinLock('A');
    const b = new SpinLock('B');
    rt.spawn('ab', function* () {
      yield* spinLock(a);
      yield* spinLock(b);
      yield* spinUnlock(b);
      yield* spinUnlock(a);
    });
    rt.spawn('ba', function* () {
      yield* spinLock(b);
      yield* spinLock(a);
      yield* spinUnlock(a);
      yield* spinUnlock(b);
    });
  },
};

/** A seqlock reader that overlaps a writer retries, and never returns a torn pair. */
export const seqlockReader: Demo = {
  name: 'seqlock-reader',
  description: 'a seqlock reader of a two-word pair never sees it torn by the writer',
  expect: 'verified',
  setup(rt) {
    const sl = new Seqlock('pair');
    const lo = new Word('lo', 0);
    const hi = new Word('hi', 0);
    const seen = new Word<string>('seen', '');
    rt.spawn('writer', function* () {
      for (let i = 1; i <= 1; i++) {
        yield* writeSeqlock(sl);
        yield* lo.write(i);
        yield* hi.write(i);
        yield* writeSequnlock(sl);
      }
    });
    rt.spawn('reader', function* () {
      const pair = yield* retryLoop(function* () {
        const s = yield* readSeqbegin(sl);
        const l = yield* lo.read();
        const h = yield* hi.read();
        if (yield* readSeqretry(sl, s)) return RETRY;
        return `${l}/${h}`;
      });
      yield* seen.write(pair);
    });
    rt.invariant('torn-read', () => {
      if (seen.value === '') return null;
      const [l, h] = seen.value.split('/');
      return l !== h ? `reader returned the torn pair ${seen.value}` : null;
    });
  },
};

/** A spinlock holder calls synchronize_rcu(): sleeping in atomic context. */
export const sleepInAtomic: Demo = {
  name: 'sleep-in-atomic',
  description: 'synchronize_rcu() under a spinlock: the might_sleep splat',
  expect: 'violation',
  setup(rt) {
    const lock = new SpinLock('list_lock');
    rt.spawn('updater', function* () {
      yield* spinLock(lock);
      yield* synchronizeRcu();
      yield* spinUnlock(lock);
    });
    rt.spawn('reader', function* () {
      yield* rcuReadLock();
      yield* rcuReadUnlock();
    });
  },
};

/** The shared state of notifierRace: KVM's mmu_lock and sequence count, the two page tables. */
interface Race {
  readonly fixed: boolean;
  readonly mmuLock: SpinLock;
  /** mmu_invalidate_in_progress */
  readonly inProgress: Word;
  /** mmu_invalidate_seq */
  readonly invSeq: Word;
  readonly pte: Word[];
  readonly spte: Word[];
  readonly freed: Word<boolean>[];
}

// The race's paths are module-level generator functions, called with the run's state, not
// `function*` expressions made in each run's setup: V8 gives every generator closure its own
// initial map the first time it runs (about 1.4 us, and an old-space object that keeps the
// run's objects alive until a full GC), which was most of a random walk's time on this model
// (docs/explorer.md, "The runtime's hot path").

/** One vCPU fault on page p: snapshot the sequence count, read the PTE, install under mmu_lock. */
function* vcpuFault(r: Race, p: number): Sim<boolean | Retry> {
  const seq = r.fixed ? yield* r.invSeq.read() : 0;
  const frame = yield* r.pte[p]!.read();
  if (frame === 0) return false;
  yield* spinLock(r.mmuLock);
  // The fix: an invalidation in progress or finished since the snapshot makes the PTE read stale.
  if (r.fixed && ((yield* r.inProgress.read()) > 0 || (yield* r.invSeq.read()) !== seq)) {
    yield* spinUnlock(r.mmuLock);
    return RETRY;
  }
  yield* r.spte[p]!.write(frame);
  yield* spinUnlock(r.mmuLock);
  return true;
}

function* vcpu(r: Race, order: readonly number[]): Sim<void> {
  for (const p of order) yield* retryLoop(() => vcpuFault(r, p));
}

/** munmap: clear the PTE, invalidate_range_start (zap the SPTE), free, invalidate_range_end. */
function* munmap(r: Race): Sim<void> {
  for (let p = 0; p < r.pte.length; p++) {
    yield* r.pte[p]!.write(0);
    yield* spinLock(r.mmuLock);
    yield* r.inProgress.write((yield* r.inProgress.read()) + 1);
    yield* r.spte[p]!.write(0);
    yield* spinUnlock(r.mmuLock);
    yield* r.freed[p + 1]!.write(true);
    yield* spinLock(r.mmuLock);
    yield* r.invSeq.write((yield* r.invSeq.read()) + 1);
    yield* r.inProgress.write((yield* r.inProgress.read()) - 1);
    yield* spinUnlock(r.mmuLock);
  }
}

/**
 * The KVM-style race of shared/baselines (2t): a vCPU fault path against munmap, with the
 * mmu_invalidate_seq / in_progress retry check or without it.
 */
export function notifierRace(fixed: boolean, vcpus = 1, pages = 1): Demo {
  // What does not change between runs is built once, here, not in every run's setup.
  const pteNames = Array.from({ length: pages }, (_, p) => `pte[${p}]`);
  const spteNames = Array.from({ length: pages }, (_, p) => `spte[${p}]`);
  const freedNames = Array.from({ length: pages + 1 }, (_, f) => `freed[${f}]`);
  const forward = Array.from({ length: pages }, (_, p) => p);
  const orders = Array.from({ length: vcpus }, (_, v) => (v % 2 === 0 ? forward : [...forward].reverse()));
  const vcpuNames = Array.from({ length: vcpus }, (_, v) => `vcpu${v}`);
  return {
    name: `notifier-race-${vcpus + 1}t-${fixed ? 'fixed' : 'buggy'}`,
    description: `vCPU fault vs munmap, ${vcpus} vCPU(s), ${pages} page(s), ${fixed ? 'with' : 'without'} the retry check`,
    expect: fixed ? 'verified' : 'violation',
    closedState: true,
    setup(rt) {
      // Made in the same order as ever (serials, hence dpor's records and tokens, depend on it).
      const mmuLock = new SpinLock('mmu_lock');
      const inProgress = new Word('in_progress', 0);
      const invSeq = new Word('inv_seq', 0);
      const pte: Word[] = [];
      for (let p = 0; p < pages; p++) pte.push(new Word(pteNames[p]!, p + 1));
      // The coherence invariant reads the SPTEs and the freed flags.
      const reads: SimObject[] = [];
      const spte: Word[] = [];
      for (let p = 0; p < pages; p++) {
        const w = new Word(spteNames[p]!, 0);
        spte.push(w);
        reads.push(w);
      }
      const freed: Word<boolean>[] = [];
      for (let f = 0; f <= pages; f++) {
        const w = new Word(freedNames[f]!, false);
        freed.push(w);
        reads.push(w);
      }
      const r: Race = { fixed, mmuLock, inProgress, invSeq, pte, spte, freed };
      for (let v = 0; v < vcpus; v++) {
        const order = orders[v]!;
        rt.spawn(vcpuNames[v]!, () => vcpu(r, order));
      }
      rt.spawn('munmap', () => munmap(r));
      rt.invariant('coherence', () => coherent(r), reads);
    },
  };
}

function coherent(r: Race): string | null {
  for (let p = 0; p < r.spte.length; p++) {
    const f = r.spte[p]!.value;
    if (f !== 0 && r.freed[f]!.value) return `spte[${p}] maps frame ${f}, which munmap freed`;
  }
  return null;
}

export const demos: readonly Demo[] = [
  lostUpdate,
  lockOrderInversion,
  seqlockReader,
  sleepInAtomic,
  notifierRace(false),
  notifierRace(true),
  notifierRace(false, 2, 2),
];
