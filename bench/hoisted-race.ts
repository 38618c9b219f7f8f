/**
 * notifierRace(true, vcpus, pages) of src/scenarios/demos.ts with its generator functions
 * hoisted to module level: the same steps in the same order (bench/steps.ts checks the
 * tokens), but no `function*` expression evaluated per run. V8 gives every generator closure
 * its own initial map (an old-space object pointing back at the closure, so at its context
 * and the run's objects) the first time it is called: about 1.4 µs each on the build machine,
 * and each one keeps its run alive until the next full GC. The demo makes 13 per run on 4t
 * (4 thread bodies, 9 retry-loop bodies). Arrow functions have no prototype and no map.
 */
import { RETRY, type Retry, retryLoop } from '../src/sim/api.js';
import { Word } from '../src/sim/cell.js';
import type { Program } from '../src/sim/program.js';
import type { Sim } from '../src/sim/step.js';
import { SpinLock, spinLock, spinUnlock } from '../src/sim/sync/spinlock.js';

interface Race {
  readonly mmuLock: SpinLock;
  readonly inProgress: Word;
  readonly invSeq: Word;
  readonly pte: Word[];
  readonly spte: Word[];
  readonly freed: Word<boolean>[];
}

function* fault(r: Race, p: number): Sim<boolean | Retry> {
  const seq = yield* r.invSeq.read();
  const frame = yield* r.pte[p]!.read();
  if (frame === 0) return false;
  yield* spinLock(r.mmuLock);
  if ((yield* r.inProgress.read()) > 0 || (yield* r.invSeq.read()) !== seq) {
    yield* spinUnlock(r.mmuLock);
    return RETRY;
  }
  yield* r.spte[p]!.write(frame);
  yield* spinUnlock(r.mmuLock);
  return true;
}

function* vcpu(r: Race, order: readonly number[]): Sim<void> {
  for (const p of order) yield* retryLoop(() => fault(r, p));
}

function* munmap(r: Race, pages: number): Sim<void> {
  for (let p = 0; p < pages; p++) {
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

export function hoistedFixedRace(vcpus: number, pages: number): Program {
  return {
    name: `notifier-race-${vcpus + 1}t-fixed`,
    setup(rt) {
      const r: Race = {
        mmuLock: new SpinLock('mmu_lock'),
        inProgress: new Word('in_progress', 0),
        invSeq: new Word('inv_seq', 0),
        pte: Array.from({ length: pages }, (_, p) => new Word(`pte[${p}]`, p + 1)),
        spte: Array.from({ length: pages }, (_, p) => new Word(`spte[${p}]`, 0)),
        freed: Array.from({ length: pages + 1 }, (_, f) => new Word(`freed[${f}]`, false)),
      };
      for (let v = 0; v < vcpus; v++) {
        const order = v % 2 === 0 ? [...r.pte.keys()] : [...r.pte.keys()].reverse();
        rt.spawn(`vcpu${v}`, () => vcpu(r, order));
      }
      rt.spawn('munmap', () => munmap(r, pages));
      rt.invariant('coherence', () => {
        for (let p = 0; p < pages; p++) {
          const f = r.spte[p]!.value;
          if (f !== 0 && r.freed[f]!.value) return `spte[${p}] maps frame ${f}, which munmap freed`;
        }
        return null;
      }, [...r.spte, ...r.freed]);
    },
  };
}
