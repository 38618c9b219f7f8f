import { describe, expect, it } from 'vitest';
import { ClassicChain } from '../../src/notifier/classic.js';
import { Mm } from '../../src/primary/mm.js';
import { exitMmap } from '../../src/primary/ops/exit-mmap.js';
import { fork } from '../../src/primary/ops/fork.js';
import { getUserPages } from '../../src/primary/ops/gup.js';
import { madviseDontneed } from '../../src/primary/ops/madvise.js';
import { mprotect } from '../../src/primary/ops/mprotect.js';
import { munmap } from '../../src/primary/ops/munmap.js';
import { reclaimPage } from '../../src/primary/ops/reclaim.js';
import { PageAllocator } from '../../src/primary/page.js';
import type { Runtime } from '../../src/sim/runtime.js';
import type { Sim } from '../../src/sim/step.js';
import { markerSubscriber, record } from '../helpers/record.js';

/** One page at address 0 (populated unless told), a marker subscriber, one thread running `body`. */
function prog(body: (mm: Mm) => Sim<unknown>, populate = true, gatherCapacity = 8) {
  return {
    name: 'op',
    setup(rt: Runtime) {
      const mm = new Mm('mm', new PageAllocator(4), {
        size: 1,
        vmas: [{ start: 0, end: 1, write: true, private: true }],
        gatherCapacity,
      });
      if (populate) mm.populate(0, 7);
      new ClassicChain(mm).registerAtSetup(markerSubscriber());
      rt.spawn('op', () => body(mm));
    },
  };
}

describe('primary operations keep the kernel order of lock, PTE change, flush, notifier, free', () => {
  it('munmap: start, zap, end, then tlb_finish_mmu flushes and frees after range_end', () => {
    expect(record(prog((mm) => munmap(mm, 0, 1)))).toEqual([
      'down_write(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      'spin_lock(mm.ptl); zap_pte_range: mm.pte[0..0] cleared; spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '· tlb-flush: flush_tlb_mm(mm) (tlb_flush_mmu_tlbonly)',
      'put_page(page1) -> refcount 0: freed to the free list',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('munmap with a full gather: the page is freed inside the bracket', () => {
    expect(record(prog((mm) => munmap(mm, 0, 1), true, 1))).toEqual([
      'down_write(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      'spin_lock(mm.ptl); zap_pte_range: mm.pte[0..0] cleared, gather full; spin_unlock(mm.ptl)',
      '· tlb-flush: flush_tlb_mm(mm) (tlb_flush_mmu_tlbonly)',
      'put_page(page1) -> refcount 0: freed to the free list',
      '> invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('MADV_DONTNEED under mmap_lock for read, MMU_NOTIFY_CLEAR', () => {
    expect(record(prog((mm) => madviseDontneed(mm, 0, 1)))).toEqual([
      'down_read(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from madvise_dontneed',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from madvise_dontneed',
      'spin_lock(mm.ptl); zap_pte_range: mm.pte[0..0] cleared; spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from madvise_dontneed',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from madvise_dontneed',
      '· tlb-flush: flush_tlb_mm(mm) (tlb_flush_mmu_tlbonly)',
      'put_page(page1) -> refcount 0: freed to the free list',
      'up_read(mm.mmapLock)',
    ]);
  });

  it('mprotect: PROTECTION_VMA bracket around the PTE rewrite, flush after', () => {
    expect(record(prog((mm) => mprotect(mm, 0, 1, false)))).toEqual([
      'down_write(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA [0, 1)) from mprotect',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA [0, 1)) from mprotect',
      'spin_lock(mm.ptl); change_pte_range; spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_PROTECTION_VMA [0, 1)) from mprotect',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_PROTECTION_VMA [0, 1)) from mprotect',
      '· tlb-flush: flush_tlb_range(mm, 0, 1)',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('fork: PROTECTION_PAGE on the parent around the write-protect, flush_tlb_mm after', () => {
    expect(record(prog((mm) => fork(mm, 'child')))).toEqual([
      'down_write(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      'spin_lock(mm.ptl); copy_pte_range [0, 1); spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '· tlb-flush: flush_tlb_mm(mm)',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('reclaim: aging under the PT lock, then try_to_unmap in its own bracket, free last', () => {
    expect(record(prog((mm) => reclaimPage(mm, 0, 1)))).toEqual([
      'get_page(page1) -> refcount 2',
      'down_read(mm.anonVma.rwsem) = true',
      'spin_lock(mm.ptl); ptep_clear_flush_young(mm.pte[0]): old',
      '> clear_flush_young(0..1)',
      '> mark.clear_flush_young',
      '< mark.clear_flush_young',
      '< clear_flush_young(0..1)',
      'spin_unlock(mm.ptl)',
      'up_read(mm.anonVma.rwsem)',
      'down_read(mm.anonVma.rwsem) = true',
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]), swap entry set',
      '· tlb-flush: flush_tlb_page(mm, 0) (ptep_clear_flush, under the PT lock)',
      // pageout's write of the contents, after the secondary flush, before a fault can see the slot.
      'swap_writepage(page1) data 7',
      'spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      'up_read(mm.anonVma.rwsem)',
      'put_page(page1) -> refcount 1',
      'put_page(page1) -> refcount 0: freed to the free list',
    ]);
  });

  it('exit_mmap: release first, then the unmap bracket nobody is left to see', () => {
    expect(record(prog((mm) => exitMmap(mm)))).toEqual([
      '> release',
      '> mark.release',
      '< mark.release',
      'spin_lock(mm.notifierSubscriptions.lock) = true',
      'write mm.notifierSubscriptions.list := []',
      'spin_unlock(mm.notifierSubscriptions.lock)',
      'synchronize_srcu(mmu_notifier_srcu) = []',
      '< release',
      'down_read(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from exit_mmap',
      '< invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from exit_mmap',
      'spin_lock(mm.ptl); zap_pte_range: mm.pte[0..0] cleared; spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from exit_mmap',
      '< invalidate_range_end(MMU_NOTIFY_UNMAP [0, 1)) from exit_mmap',
      'up_read(mm.mmapLock)',
      'down_write(mm.mmapLock) = true',
      '· tlb-flush: flush_tlb_mm(mm) (tlb_flush_mmu_tlbonly)',
      'put_page(page1) -> refcount 0: freed to the free list',
      'up_write(mm.mmapLock)',
    ]);
  });

  it('get_user_pages on an empty PTE: do_anonymous_page, then the walk again', () => {
    expect(record(prog((mm) => getUserPages(mm, 0, false), false))).toEqual([
      'down_read(mm.mmapLock) = true',
      'spin_lock(mm.ptl); follow_page_pte(mm, 0): no page; spin_unlock(mm.ptl)',
      'read mm.pte[0] = {pfn:0 present:false write:false young:false dirty:false}',
      'alloc_page() = page1',
      'spin_lock(mm.ptl); set_pte_at(mm.pte[0], page1); spin_unlock(mm.ptl)',
      'spin_lock(mm.ptl); follow_page_pte(mm, 0): get_page(page1); spin_unlock(mm.ptl)',
      'up_read(mm.mmapLock)',
    ]);
  });

  it('a write gup after fork: COW copies before its MMU_NOTIFY_CLEAR bracket, puts the old page after', () => {
    expect(
      record(
        prog(function* (mm) {
          yield* fork(mm, 'child');
          return yield* getUserPages(mm, 0, true);
        }),
      ),
    ).toEqual([
      'down_write(mm.mmapLock) = true',
      '> invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      'spin_lock(mm.ptl); copy_pte_range [0, 1); spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_PROTECTION_PAGE [0, 1)) from copy_page_range',
      '· tlb-flush: flush_tlb_mm(mm)',
      'up_write(mm.mmapLock)',
      'down_read(mm.mmapLock) = true',
      'spin_lock(mm.ptl); follow_page_pte(mm, 0): no page; spin_unlock(mm.ptl)',
      'read mm.pte[0] = {pfn:1 present:true write:false young:false dirty:false}',
      'spin_lock(mm.ptl); do_wp_page(mm.pte[0]): shared, copy; spin_unlock(mm.ptl)',
      'alloc_page() = page2',
      'copy_user_highpage(page2 <- page1) data 7',
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from wp_page_copy',
      '> mark.invalidate_range_start',
      '< mark.invalidate_range_start',
      '< invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from wp_page_copy',
      'spin_lock(mm.ptl); ptep_clear_flush + set_pte_at(mm.pte[0], page2)',
      // The secondary-TLB flush of ptep_clear_flush (nobody subscribes here) is under the lock.
      'spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from wp_page_copy',
      '> mark.invalidate_range_end',
      '< mark.invalidate_range_end',
      '< invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from wp_page_copy',
      // The mapping's reference, then the one do_wp_page took before the PT unlock.
      'put_page(page1) -> refcount 2',
      'put_page(page1) -> refcount 1',
      'spin_lock(mm.ptl); follow_page_pte(mm, 0): get_page(page2); spin_unlock(mm.ptl)',
      'up_read(mm.mmapLock)',
    ]);
  });
});
