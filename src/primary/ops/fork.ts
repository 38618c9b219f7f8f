import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { downWrite, upWrite } from '../../sim/sync/rwsem.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import { Mm } from '../mm.js';
import {
  mmuNotifierInvalidateRangeEnd,
  mmuNotifierInvalidateRangeStart,
  mmuNotifierRange,
} from '../notify.js';
import { getPageLocked } from '../page.js';
import { pteWith } from '../pte.js';
import { flushSecondaryTlbs } from './tlb-flush.js';

/**
 * fork(): dup_mmap() → copy_page_range() (kernel/fork.c, mm/memory.c). Parent mmap_lock
 * (write) → for a COW mapping invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE) on the
 * *parent* → PT lock, per present PTE: ptep_set_wrprotect on the parent, the child's PTE a
 * read-only copy, get_page + rmap dup → PT unlock → invalidate_range_end → flush_tlb_mm of the
 * parent after the bracket → unlock. The child mm is invisible to other threads until fork
 * returns, so its PTEs are written without steps (its own PT lock is uncontended).
 */
export function* fork(parent: Mm, childName: string): Sim<Mm> {
  yield* downWrite(parent.mmapLock);
  const child = new Mm(childName, parent.pages, {
    size: parent.ptes.length,
    vmas: parent.vmas,
    gatherCapacity: parent.gatherCapacity,
  });
  for (const vma of parent.vmas) {
    const cow = vma.private && vma.write;
    const range = mmuNotifierRange(vma.start, vma.end, 'MMU_NOTIFY_PROTECTION_PAGE', 'copy_page_range');
    if (cow) yield* mmuNotifierInvalidateRangeStart(parent, range);
    yield* spinLockSection(
      parent.ptl,
      `copy_pte_range [${vma.start}, ${vma.end})`,
      () => {
        for (let a = vma.start; a < vma.end; a++) {
          const pte = parent.pte(a).value;
          if (!pte.present) continue;
          if (cow && pte.write) {
            parent.pte(a).value = pteWith(pte, { write: false });
            parent.tlbFlushPending.add(a);
          }
          const page = parent.frame(pte.pfn);
          getPageLocked(page);
          page.mapcount++;
          child.pte(a).value = pteWith(pte, { write: cow ? false : pte.write });
        }
      },
      undefined,
      // The child's PTEs are written too; no other thread sees the child yet.
      [...parent.ptlFootprint(vma.start, vma.end), ...child.ptes.slice(vma.start, vma.end)],
    );
    if (cow) yield* mmuNotifierInvalidateRangeEnd(parent, range);
  }
  note('tlb-flush', `flush_tlb_mm(${parent.name})`);
  yield* flushSecondaryTlbs(parent, 0, parent.ptes.length);
  parent.tlbFlushPending.clear();
  yield* upWrite(parent.mmapLock);
  return child;
}
