import type { Mm } from '../../primary/mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../../primary/notify.js';
import { PTE_NONE, pteWith } from '../../primary/pte.js';
import { gru, gruBugs } from '../../secondary-mmu/gru/gru.js';
import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downRead, downWrite, upRead, upWrite } from '../../sim/sync/rwsem.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import type { Scenario } from '../scenario.js';
import { deviceStores, driverWorld } from './driver-world.js';

/**
 * clear_refs_write() with "4" (fs/proc/task_mmu.c, soft-dirty, 3.11+): mmap_lock for read,
 * invalidate_range_start(MMU_NOTIFY_SOFT_DIRTY) over the whole mm, under the PT lock every
 * PTE write-protected and its soft-dirty bit cleared (here: the dirty bit), range_end, TLB
 * flush. Before Emelyanov's 2013 fix the bracket was missing.
 */
function* clearRefsWrite(mm: Mm, withNotifier: boolean): Sim<void> {
  yield* downRead(mm.mmapLock);
  const range = mmuNotifierRange(0, mm.ptes.length, 'MMU_NOTIFY_SOFT_DIRTY', 'clear_refs_write');
  if (withNotifier) yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* spinLockSection(mm.ptl, 'clear_soft_dirty', () => {
    for (const w of mm.ptes) if (w.value.present) w.value = pteWith(w.value, { write: false, dirty: false });
  });
  if (withNotifier) yield* mmuNotifierInvalidateRangeEnd(mm, range);
  note('tlb-flush', `flush_tlb_mm(${mm.name}) (clear_refs)`);
  yield* upRead(mm.mmapLock);
}

/**
 * retract_page_tables() (mm/khugepaged.c, shmem/file collapse, 4.8+): mmap_lock for write,
 * pmdp_collapse_flush removes the page table with its PTEs; the pages stay in the page cache
 * (their reference is the cache's). Until Jann Horn's fix (f268f6cf875f, Dec 2022) no
 * notifier was called; now range_start/end(MMU_NOTIFY_CLEAR) bracket it.
 */
function* retractPageTables(mm: Mm, withNotifier: boolean): Sim<void> {
  yield* downWrite(mm.mmapLock);
  const range = mmuNotifierRange(0, mm.ptes.length, 'MMU_NOTIFY_CLEAR', 'retract_page_tables');
  if (withNotifier) yield* mmuNotifierInvalidateRangeStart(mm, range);
  yield* spinLockSection(mm.ptl, 'pmdp_collapse_flush', () => {
    for (const w of mm.ptes) {
      if (!w.value.present) continue;
      mm.frame(w.value.pfn).mapcount--;
      w.value = PTE_NONE;
    }
  });
  if (withNotifier) yield* mmuNotifierInvalidateRangeEnd(mm, range);
  yield* upWrite(mm.mmapLock);
}

function primaryOpScenario(s: {
  name: string;
  description: string;
  reference: string;
  thread: string;
  bug: string;
  bugText: string;
  op: (mm: Mm, withNotifier: boolean) => Sim<void>;
}): Scenario {
  return {
    name: s.name,
    description: s.description,
    reference: s.reference,
    secondary: 'gru',
    designs: ['classic'],
    threads: ['device', s.thread],
    bugs: { [s.bug]: s.bugText },
    safeBugs: Object.fromEntries(Object.keys(gruBugs).map((b) => [b, 'not this scenario’s race'])),
    build(opts) {
      const bugs = [...opts.bugs].sort();
      return {
        name: `${s.name}[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
        setup(rt) {
          const driverBugs = bugs.filter((b) => b !== s.bug);
          const w = driverWorld(rt, gru, { design: opts.design, bugs: driverBugs });
          rt.spawn('device', () => deviceStores(w, 2));
          rt.spawn(s.thread, () => s.op(w.mm, !bugs.includes(s.bug)));
        },
      };
    },
  };
}

/** Race #15. */
export const clearRefsSoftDirty: Scenario = primaryOpScenario({
  name: 'clear-refs-soft-dirty',
  description:
    'clear_refs (soft-dirty) write-protects the page while a device keeps a writable TLB entry (2013)',
  reference:
    'Emelyanov, "soft-dirty: call mmu notifiers when write-protecting ptes" (3.11, 2013); MMU_NOTIFY_SOFT_DIRTY',
  thread: 'clear_refs',
  bug: 'clear-refs-without-notifier',
  bugText:
    'clear_refs_write write-protects the PTEs with no invalidate_range_start/end around it (before 3.11)',
  op: clearRefsWrite,
});

/** Race #17. */
export const khugepagedRetract: Scenario = primaryOpScenario({
  name: 'khugepaged-retract',
  description:
    'khugepaged retracts a page table (shmem/file collapse) under a device TLB entry; without notifiers the entry survives (2016–2022)',
  reference:
    'Jann Horn, f268f6cf875f "mm/khugepaged: invoke MMU notifiers in shmem/file collapse paths" (Dec 2022), Fixes f3f0e1d2150b (4.8)',
  thread: 'khugepaged',
  bug: 'collapse-without-notifier',
  bugText: 'retract_page_tables clears the page table with no invalidate_range_start/end (4.8 to 6.1)',
  op: retractPageTables,
});
