import { describe, expect, it } from 'vitest';
import { measureCosts } from '../../../src/compare/costs.js';
import { explore } from '../../../src/explore/explorer.js';
import { DporStrategy } from '../../../src/explore/strategies/dpor.js';
import { makeChain } from '../../../src/notifier/designs.js';
import { Mm, type MmEra } from '../../../src/primary/mm.js';
import { tryToUnmap } from '../../../src/primary/ops/reclaim.js';
import { PageAllocator } from '../../../src/primary/page.js';
import { buildScenario } from '../../../src/scenarios/catalogue.js';
import { markerSubscriber, record } from '../../helpers/record.js';

function unmapTrace(era: MmEra): string[] {
  return record({
    name: `unmap-${era}`,
    setup(rt) {
      const mm = new Mm('mm', new PageAllocator(2), {
        size: 1,
        vmas: [{ start: 0, end: 1, write: true, private: true }],
        era,
      });
      const pfn = mm.populate(0, 7);
      makeChain('classic', mm).registerAtSetup(markerSubscriber('sub'));
      const chain = mm.notifierSubscriptions!;
      expect(chain).not.toBeNull();
      const page = mm.frame(pfn);
      page.refcount++;
      rt.spawn('reclaim', () => tryToUnmap(mm, 0, page));
    },
  }).filter((e) => !e.startsWith('·') && !e.startsWith('<'));
}

describe('kernel eras of try_to_unmap_one', () => {
  it('2.6.27: invalidate_page right after ptep_clear_flush, under the PT lock', () => {
    expect(unmapTrace('2.6.27')).toEqual([
      'down_read(mm.anonVma.rwsem) = true',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]), swap entry set',
      '> invalidate_page(0)',
      'spin_unlock(mm.ptl)',
      'up_read(mm.anonVma.rwsem)',
      'put_page(page1) -> refcount 1',
    ]);
  });

  it('3.6: invalidate_page after the PT unlock, the page still referenced', () => {
    expect(unmapTrace('3.6')).toEqual([
      'down_read(mm.anonVma.rwsem) = true',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]), swap entry set',
      'spin_unlock(mm.ptl)',
      '> invalidate_page(0)',
      'up_read(mm.anonVma.rwsem)',
      'put_page(page1) -> refcount 1',
    ]);
  });

  it('4.13: a range_start/end bracket; invalidate_range from ptep_clear_flush_notify, under the PT lock', () => {
    expect(unmapTrace('4.13')).toEqual([
      'down_read(mm.anonVma.rwsem) = true',
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> sub.invalidate_range_start',
      'spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0]), swap entry set',
      '> invalidate_range([0, 1))',
      'spin_unlock(mm.ptl)',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> sub.invalidate_range_end',
      'up_read(mm.anonVma.rwsem)',
      'put_page(page1) -> refcount 1',
    ]);
  });

  it('6.9 (the default): the bracket, the PT-lock section as one step, no invalidate_range', () => {
    const t = unmapTrace('6.9');
    expect(t.filter((e) => e.startsWith('>'))).toEqual([
      '> invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> sub.invalidate_range_start',
      '> invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      '> sub.invalidate_range_end',
    ]);
    expect(new Mm('mm', new PageAllocator(1), { size: 1, vmas: [] }).era).toBe('6.9');
  });

  const expected: Record<string, Record<string, string>> = {
    'era-reclaim-2.6.27': {
      classic: 'sleep-in-atomic',
      emm: 'sleep-in-atomic',
      'rcu-register': 'sleep-in-atomic',
      'seqlock-register': 'sleep-in-atomic',
    },
    'era-reclaim-3.6': {
      classic: 'verified',
      emm: 'verified',
      'rcu-register': 'sleep-in-atomic',
      'seqlock-register': 'verified',
    },
    'era-reclaim-4.13': {
      classic: 'verified',
      emm: 'verified',
      'rcu-register': 'sleep-in-atomic',
      'seqlock-register': 'verified',
    },
  };
  for (const [scenario, byDesign] of Object.entries(expected)) {
    for (const [design, want] of Object.entries(byDesign)) {
      it(`${scenario} under ${design}: ${want} (a device whose invalidation sleeps)`, () => {
        const v = explore(buildScenario(scenario, { design }), {
          strategy: new DporStrategy(),
          maxRuns: 100_000,
        });
        expect(v.kind === 'violation' ? v.violation.name : v.kind).toBe(want);
      });
    }
  }

  it('costs: 3.6 sends one invalidate_page and one callback where 4.13 sends a start/end pair', () => {
    const c36 = measureCosts(buildScenario('era-reclaim-3.6', { design: 'classic' }));
    const c413 = measureCosts(buildScenario('era-reclaim-4.13', { design: 'classic' }));
    expect([c36.notifierOps, c36.callbacks, c413.notifierOps, c413.callbacks]).toEqual([1, 1, 2, 2]);
  });
});
