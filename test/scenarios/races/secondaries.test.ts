import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../../src/explore/explorer.js';
import { makeStrategy } from '../../../src/explore/strategies/index.js';
import { buildScenario } from '../../../src/scenarios/catalogue.js';
import type { SimEvent } from '../../../src/sim/trace.js';

function steps(scenario: string, bug: string, token: string): string[] {
  const out: string[] = [];
  replay(buildScenario(scenario, { bugs: [bug] }), token, {
    observer: (e: SimEvent) => {
      if (e.type === 'step') out.push(`T${e.thread} ${e.text}`);
    },
  });
  return out;
}

describe('race #3: overlapping range_start calls vs a driver-global seqcount or flag', () => {
  for (const bug of ['global-seqcount', 'active-flag']) {
    it(`${bug}: the device keeps a translation of page1 inside the still-open bracket`, () => {
      const v = explore(buildScenario('overlapping-starts', { bugs: [bug] }), {
        strategy: makeStrategy('random', { seed: 1 }),
        maxRuns: 2_000,
      });
      expect(v.kind === 'violation' && v.violation).toMatchObject({
        name: 'stale-translation',
        message:
          "drv.tlb[0] maps page1 inside madvise_dontneed's MMU_NOTIFY_CLEAR [0, 1) after range-lock-tlb's invalidate_range_start returned",
        thread: 'T0(device)',
      });
    });
  }

  it('global-seqcount: the second write_seqcount_begin makes the count even and the fault passes', () => {
    const trace = steps('overlapping-starts', 'global-seqcount', 'm1.AQUCBQAI');
    const begins = trace.filter((s) => s.includes('write_seqcount_begin'));
    expect(begins).toEqual([
      'T1 write_seqcount_begin(drv.seq) -> 1',
      'T2 write_seqcount_begin(drv.seq) -> 2',
    ]);
    expect(trace).toContain('T0 read_seqcount_begin(drv.seq) = 2');
    expect(trace.indexOf('T0 read_seqcount_begin(drv.seq) = 2')).toBeGreaterThan(
      trace.indexOf('T2 write_seqcount_begin(drv.seq) -> 2'),
    );
  });

  it('the recursive rwsem fix shows no violation in its sampled search (bounded, never verified)', () => {
    const v = explore(buildScenario('overlapping-starts'), {
      strategy: makeStrategy('random', { seed: 1 }),
      maxRuns: 2_000,
    });
    expect(v.kind).toBe('bounded');
  });
});

describe('race #14: mmu_interval_notifier_remove returning while mn_itree_inv_end holds the node', () => {
  it('the lockless seq read returns between the seq write and the deferred unlink: use-after-free', () => {
    const v = explore(buildScenario('hmm-remove', { bugs: ['remove-lockless-seq-read'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 1_000,
    });
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'use-after-free',
      message:
        'mn_itree_inv_end applies the deferred remove of dmirror, which mmu_interval_notifier_remove already returned and its caller freed',
      thread: 'T1(dontneed)',
    });
    const trace = steps('hmm-remove', 'remove-lockless-seq-read', 'm1.AQcAAgEDAAI');
    expect(trace.slice(-3)).toEqual([
      'T1 spin_lock(mm.notifierSubscriptions.lock); mn_itree_inv_end: active 0, invalidate_seq -> 4, 1 deferred',
      'T0 read mm.notifierSubscriptions.invalidateSeq = 4',
      'T0 write dmirror.memory := freed',
    ]);
  });

  it('mmu_interval_seq_released (the seq read under the lock): dpor verifies every schedule', () => {
    const v = explore(buildScenario('hmm-remove'), { strategy: makeStrategy('dpor'), maxRuns: 10_000 });
    expect(v.kind === 'verified' && v.runs).toBe(250);
  });
});

describe('race #12: a memslot created between range_start and range_end (lock elision)', () => {
  it('range_start skipped kvm_mmu_invalidate_begin, range_end runs kvm_mmu_invalidate_end: -1', () => {
    const v = explore(buildScenario('kvm-memslot', { bugs: ['memslot-update-in-bracket'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 100,
    });
    expect(v.kind === 'violation' && v.violation).toMatchObject({
      name: 'pairing',
      message: 'kvm: mmu_invalidate_in_progress is -1 after range_end (KVM_BUG_ON)',
      thread: 'T0(dontneed)',
    });
    expect(steps('kvm-memslot', 'memslot-update-in-bracket', 'm1.AAIBAQ')).toEqual([
      'T0 down_read(mm.mmapLock) = true',
      'T0 read kvm.memslots = false',
      'T1 write kvm.memslots := true',
      'T0 spin_lock(mm.ptl); zap_pte_range: mm.pte[0..0] cleared; spin_unlock(mm.ptl)',
      'T0 read kvm.memslots = true',
      'T0 spin_lock(kvm.mmuLock); kvm_mmu_invalidate_end (seq 1, in_progress -1); spin_unlock(kvm.mmuLock)',
    ]);
  });

  it('mn_active_invalidate_count: the swap waits for the bracket; dpor verifies every schedule', () => {
    const v = explore(buildScenario('kvm-memslot'), { strategy: makeStrategy('dpor'), maxRuns: 1_000 });
    expect(v.kind === 'verified' && v.runs).toBe(16);
  });
});

describe('race #13: gfn→pfn cache refresh between the cache invalidation and in_progress++', () => {
  it('a refresh testing mmu_invalidate_in_progress validates the cache with the page being freed', () => {
    const trace = steps('kvm-pfncache', 'gpc-checks-in-progress', 'm1.AAQBBAAC');
    expect(trace.slice(4)).toEqual([
      'T1 down_read(mm.mmapLock) = true',
      'T1 spin_lock(kvm.mnInvalidateLock); mn_active_invalidate_count ++ -> 1; spin_unlock(kvm.mnInvalidateLock)',
      'T1 spin_lock(kvm.gpc.lock); gfn_to_pfn_cache_invalidate_start: no valid gpc in range; spin_unlock(kvm.gpc.lock)',
      'T1 read kvm.memslots = true',
      'T0 spin_lock(kvm.gpc.lock); kvm.gpc := page1; spin_unlock(kvm.gpc.lock)',
      'T0 put_page(page1) -> refcount 1',
      'T1 spin_lock(kvm.mmuLock); kvm_mmu_invalidate_begin (in_progress 1); kvm_unmap_gfn_range [0, 1): nothing mapped; spin_unlock(kvm.mmuLock)',
    ]);
    const v = replay(buildScenario('kvm-pfncache', { bugs: ['gpc-checks-in-progress'] }), 'm1.AAQBBAAC');
    expect(v.violation?.message).toBe(
      "kvm.gpc maps page1 inside madvise_dontneed's MMU_NOTIFY_CLEAR [0, 1) after kvm's invalidate_range_start returned",
    );
  });

  it('mmu_notifier_retry_cache on mn_active_invalidate_count: no violation in its sampled search (bounded)', () => {
    const v = explore(buildScenario('kvm-pfncache'), {
      strategy: makeStrategy('random', { seed: 1 }),
      maxRuns: 2_000,
    });
    expect(v.kind).toBe('bounded');
  });
});
