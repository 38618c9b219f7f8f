import { describe, expect, it } from 'vitest';
import { makeChain } from '../../src/notifier/designs.js';
import type { MmuNotifier } from '../../src/notifier/ops.js';
import { Mm, type MmEra } from '../../src/primary/mm.js';
import { ksmMergePage } from '../../src/primary/ops/ksm.js';
import { PageAllocator } from '../../src/primary/page.js';
import { markerSubscriber, nothing, record } from '../helpers/record.js';

/** The marker subscriber plus change_pte and invalidate_page, which only mark where they ran. */
function subscriber(): MmuNotifier {
  const m = markerSubscriber('sub');
  return { name: 'sub', ops: { ...m.ops, changePte: nothing, invalidatePage: nothing } };
}

/** ksmd merging page1 (mapped rw at 0, its scan reference held) into the stable page2. */
function mergeTrace(era: MmEra, sub: MmuNotifier = subscriber()): string[] {
  return record({
    name: `ksm-${era}`,
    setup(rt) {
      const pages = new PageAllocator(3);
      const mm = new Mm('mm', pages, {
        size: 1,
        vmas: [{ start: 0, end: 1, write: true, private: true }],
        era,
      });
      const page = mm.frame(mm.populate(0, 7));
      const kpage = pages.take()!;
      kpage.data = 7;
      makeChain('classic', mm).registerAtSetup(sub);
      page.refcount++;
      rt.spawn('ksmd', () => ksmMergePage(mm, 0, page, kpage));
    },
  }).filter((e) => !e.startsWith('<') && !e.startsWith('·'));
}

describe('KSM merge (write_protect_page, replace_page) by era', () => {
  it('3.6: change_pte alone under the PT lock, before set_pte_at; no bracket', () => {
    expect(mergeTrace('3.6')).toEqual([
      'down_read(mm.mmapLock) = true',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]) (was pfn 1 rw)',
      '> change_pte(0, pfn 1 ro)',
      '> sub.change_pte',
      'write mm.pte[0] := {pfn:1 present:true write:false young:false dirty:false}',
      'spin_unlock(mm.ptl)',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]) (was pfn 1 ro)',
      '> change_pte(0, pfn 2 ro)',
      '> sub.change_pte',
      'write mm.pte[0] := {pfn:2 present:true write:false young:false dirty:false}',
      'put_page(page1) -> refcount 1',
      'spin_unlock(mm.ptl)',
      'up_read(mm.mmapLock)',
      'put_page(page1) -> refcount 0: freed to the free list',
    ]);
  });

  it('3.6: a subscriber without change_pte gets invalidate_page instead (dropped in 3.7)', () => {
    const m = markerSubscriber('sub');
    const t = mergeTrace('3.6', { name: 'sub', ops: { ...m.ops, invalidatePage: nothing } });
    expect(t.filter((e) => e.startsWith('>'))).toEqual([
      '> change_pte(0, pfn 1 ro)',
      '> sub.invalidate_page',
      '> change_pte(0, pfn 2 ro)',
      '> sub.invalidate_page',
    ]);
  });

  it('6.6: each set_pte_at_notify inside its own range_start/end', () => {
    expect(mergeTrace('6.6').filter((e) => e.startsWith('>'))).toEqual([
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from write_protect_page',
      '> sub.invalidate_range_start',
      '> change_pte(0, pfn 1 ro)',
      '> sub.change_pte',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from write_protect_page',
      '> sub.invalidate_range_end',
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from replace_page',
      '> sub.invalidate_range_start',
      '> change_pte(0, pfn 2 ro)',
      '> sub.change_pte',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from replace_page',
      '> sub.invalidate_range_end',
    ]);
  });

  it('6.9: the same brackets, no change_pte; each PTE change is one PT-lock section', () => {
    const t = mergeTrace('6.9');
    expect(t.some((e) => e.includes('change_pte'))).toBe(false);
    expect(t.filter((e) => e.startsWith('spin_lock(mm.ptl)'))).toEqual([
      'spin_lock(mm.ptl); ptep_clear_flush + set_pte_at(mm.pte[0], pfn 1 ro); spin_unlock(mm.ptl)',
      'spin_lock(mm.ptl); ptep_clear_flush + set_pte_at(mm.pte[0], pfn 2 ro); spin_unlock(mm.ptl)',
    ]);
  });

  it('a gup reference on the page makes write_protect_page give up (page_mapcount + 1 != page_count)', () => {
    const t = record({
      name: 'ksm-pinned',
      setup(rt) {
        const pages = new PageAllocator(3);
        const mm = new Mm('mm', pages, { size: 1, vmas: [{ start: 0, end: 1, write: true, private: true }] });
        const page = mm.frame(mm.populate(0, 7));
        const kpage = pages.take()!;
        page.refcount += 2;
        rt.spawn('ksmd', function* () {
          expect(yield* ksmMergePage(mm, 0, page, kpage)).toBe(false);
        });
      },
    });
    expect(t.filter((e) => e.startsWith('spin_lock(mm.ptl)'))).toEqual([
      'spin_lock(mm.ptl); mm.pte[0] left as is (write_protect_page gave up); spin_unlock(mm.ptl)',
    ]);
  });
});
