import type { AgingOracle } from '../check/aging.js';
import { Mm } from '../primary/mm.js';
import { handleMmFault } from '../primary/ops/fault.js';
import { fork } from '../primary/ops/fork.js';
import { madviseDontneed } from '../primary/ops/madvise.js';
import { mprotect } from '../primary/ops/mprotect.js';
import { munmap } from '../primary/ops/munmap.js';
import { shrinkIsolatedPage } from '../primary/ops/reclaim.js';
import { PageAllocator, type PageFrame } from '../primary/page.js';
import { mkPte } from '../primary/pte.js';
import { oomReapTaskMm } from '../scenarios/claims/oom-reap.js';
import type { Program } from '../sim/program.js';
import type { Sim } from '../sim/step.js';
import { downRead, upRead } from '../sim/sync/rwsem.js';
import type { AttachedSecondary, FuzzTarget } from './targets.js';
import { type CpuOp, formatWorkload, threadNames, type Workload, workloadPages } from './workload.js';

/** What page n holds at setup; device stores write 1, 2, ... so every write is told apart. */
const INITIAL = 100;

/**
 * A user access: do_user_addr_fault() takes mmap_lock for read and calls handle_mm_fault()
 * (arch/x86/mm/fault.c); the CPU's own TLB is not modelled, so a present PTE costs one read.
 */
function* userFault(mm: Mm, addr: number, write: boolean): Sim<void> {
  yield* downRead(mm.mmapLock);
  yield* handleMmFault(mm, addr, write);
  yield* upRead(mm.mmapLock);
}

/**
 * The aging check, held only to walks that find the page mapped: folio_referenced() of a
 * folio no longer mapped returns 0 before any rmap walk or notifier (mm/rmap.c), so a zap
 * that dropped the secondary's accessed bit with its translation leaves nothing to report.
 * `end` runs with the unlock step of the walk, so the PTE is the one the walk saw under the
 * PT lock. (src/check/aging.ts itself asks for young here: the kvm scenarios never unmap first.)
 */
function mappedAging(mm: Mm, addr: number, oracle: AgingOracle) {
  return {
    begin: (pfn: number) => oracle.begin(pfn),
    end: (pfn: number, young: boolean) => {
      const p = mm.pte(addr).value;
      oracle.end(pfn, young || !(p.present && p.pfn === pfn));
    },
  };
}

function* cpuOp(
  mm: Mm,
  o: CpuOp,
  isolated: ReadonlyMap<number, PageFrame>,
  dev: AttachedSecondary,
  forks: { n: number },
): Sim<unknown> {
  switch (o.op) {
    case 'fault':
      return yield* userFault(mm, o.addr, o.write);
    case 'munmap':
      return yield* munmap(mm, o.addr, o.addr + o.pages);
    case 'madvise_dontneed':
      return yield* madviseDontneed(mm, o.addr, o.addr + o.pages);
    case 'mprotect':
      return yield* mprotect(mm, o.addr, o.addr + o.pages, o.write);
    case 'reclaim':
      return yield* shrinkIsolatedPage(
        mm,
        o.addr,
        isolated.get(o.addr)!,
        dev.aging && mappedAging(mm, o.addr, dev.aging),
      );
    case 'fork':
      return yield* fork(mm, `child${forks.n++}`);
    case 'oom_reap':
      return yield* oomReapTaskMm(mm);
  }
}

/**
 * A workload as a program: an mm whose VMAs are all populated (each page written by the
 * process and aged since: dirty, not young), the secondary subscribed before the run with
 * no translation yet, the pages a `reclaim` targets isolated from the LRU (a reference
 * each), the mmu_gather freeing every page inside its bracket (capacity 1), then one thread
 * per workload thread. The checks are the target's (coherence, stale translation, pairing,
 * data integrity, aging for KVM) and the runtime's lock checks.
 */
export function workloadProgram(target: FuzzTarget, w: Workload, bugs: readonly string[]): Program {
  const size = workloadPages(w);
  const names = threadNames(w, target.deviceLabel);
  const sorted = [...bugs].sort();
  return {
    name: `fuzz ${target.name}${sorted.length ? ` [${sorted.join(',')}]` : ''}: ${formatWorkload(w, target.deviceLabel)}`,
    setup(rt) {
      // Room for every page twice over: faults after a zap, COW copies after a fork.
      const pages = new PageAllocator(2 * size + 2);
      let a = 0;
      const vmas = w.vmas.map((v) => {
        const vma = { start: a, end: a + v.pages, write: v.write, private: true };
        a += v.pages;
        return vma;
      });
      const mm = new Mm('mm', pages, { size, vmas, gatherCapacity: 1 });
      for (const v of vmas) {
        for (let p = v.start; p < v.end; p++) {
          const pfn = mm.populate(p, INITIAL + p, v.write);
          mm.pte(p).value = mkPte(pfn, v.write, false, v.write);
        }
      }
      const isolated = new Map<number, PageFrame>();
      for (const t of w.threads) {
        if (t.kind !== 'cpu') continue;
        for (const o of t.ops) {
          if (o.op !== 'reclaim') continue;
          const page = mm.frame(mm.pte(o.addr).value.pfn);
          page.refcount++;
          isolated.set(o.addr, page);
        }
      }
      const dev = target.attach(rt, mm, bugs);
      const forks = { n: 0 };
      let value = 1;
      let vcpu = 0;
      w.threads.forEach((t, i) => {
        if (t.kind === 'device') {
          const me = vcpu++;
          const ops = t.ops.map((o) => ({ ...o, value: o.op === 'store' ? value++ : 0 }));
          rt.spawn(names[i]!, function* () {
            for (const o of ops) yield* dev.access(me, o.addr, o.op === 'store', o.value);
          });
        } else {
          rt.spawn(names[i]!, function* () {
            for (const o of t.ops) yield* cpuOp(mm, o, isolated, dev, forks);
          });
        }
      });
    },
  };
}
