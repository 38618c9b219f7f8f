import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../../src/explore/explorer.js';
import { makeStrategy } from '../../../src/explore/strategies/index.js';
import { buildScenario, catalogue } from '../../../src/scenarios/catalogue.js';
import { races } from '../../../src/scenarios/races/index.js';

/** Per race scenario: the invariant each bug flag breaks (found by a seeded random walk). */
const expected: Record<string, Record<string, string>> = {
  'gru-dontneed': {
    'no-dropin-drop': 'stale-translation',
    'vtop-before-tfh-read': 'coherence',
    'no-range-active-check': 'stale-translation',
  },
  'gru-munmap': {},
  'gru-fork': {},
  // Reclaim's rmap-side bracket does not take mmap_lock, so GRU's own flags show here too.
  'gru-register': {
    'register-without-all-locks': 'pairing',
    'no-dropin-drop': 'stale-translation',
    'vtop-before-tfh-read': 'stale-translation',
    'no-range-active-check': 'stale-translation',
  },
  'iommu-munmap': { 'start-end-only': 'coherence', 'flush-sleeps': 'sleep-in-atomic' },
  'iommu-dontneed': { 'start-end-only': 'coherence', 'flush-sleeps': 'sleep-in-atomic' },
  'hmm-munmap': { 'no-read-retry': 'stale-translation', 'set-seq-outside-lock': 'stale-translation' },
  'hmm-oom-reap': {
    'no-read-retry': 'stale-translation',
    'set-seq-outside-lock': 'coherence',
    'sleeps-when-nonblockable': 'sleep-in-atomic',
  },
  // clear_refs holds mmap_lock only for read, like a GRU fault: GRU's flags show here too.
  'clear-refs-soft-dirty': {
    'clear-refs-without-notifier': 'stale-translation',
    'no-dropin-drop': 'stale-translation',
    'vtop-before-tfh-read': 'stale-translation',
    'no-range-active-check': 'stale-translation',
  },
  'khugepaged-retract': { 'collapse-without-notifier': 'stale-translation' },
  // 3.19–6.5: munmap's invalidate_range runs from the gather flush and range_end, unlocked.
  'iommu-munmap-4.13': { 'start-end-only': 'coherence' },
  'iommu-reclaim-4.13': { 'flush-sleeps': 'sleep-in-atomic' },
  'kvm-ksm-merge-3.6': { 'change-pte-no-seq-bump': 'coherence' },
  'kvm-ksm-merge-6.6': {},
  'kvm-ksm-merge': {},
  'kvm-exit-reclaim': { 'unlink-before-release': 'coherence' },
  'emm-aging': { 'emm-single-callback': 'aging' },
  'emm-failed-start': { 'emm-single-callback': 'pairing' },
  // lockdep reports the order on the first run, before any thread waits.
  'odp-dereg-reclaim': { 'cache-store-under-umem-mutex': 'circular-locking' },
  'overlapping-starts': { 'global-seqcount': 'stale-translation', 'active-flag': 'stale-translation' },
  'hmm-remove': { 'remove-lockless-seq-read': 'use-after-free' },
  'kvm-memslot': { 'memslot-update-in-bracket': 'pairing' },
  'kvm-pfncache': { 'gpc-checks-in-progress': 'stale-translation' },
};

describe('historical race scenarios', () => {
  it('are in the catalogue after the KVM scenarios', () => {
    expect(races.map((s) => s.name)).toEqual(Object.keys(expected));
    const first = catalogue.indexOf(races[0]!);
    expect(catalogue.slice(first, first + races.length)).toEqual(races);
    expect(catalogue.slice(0, first).every((s) => s.name.startsWith('kvm-'))).toBe(true);
  });

  for (const s of races) {
    describe(s.name, () => {
      // A scenario with a sampling catalogue search is checked by its own test file.
      it.skipIf(s.catalogueSearch !== undefined)(
        'the fix is verified by dpor (every schedule, no cut)',
        () => {
          const v = explore(buildScenario(s.name), { strategy: makeStrategy('dpor'), maxRuns: 200_000 });
          expect(v.kind).toBe('verified');
        },
      );

      it('the scenario’s bug flags are exactly the expected ones; every other flag is safe with a reason', () => {
        expect(Object.keys(s.bugs)).toEqual(Object.keys(expected[s.name]!));
        for (const why of Object.values(s.safeBugs)) expect(why.length).toBeGreaterThan(10);
      });

      for (const [bug, invariant] of Object.entries(expected[s.name]!)) {
        it(`${bug}: random finds ${invariant} and the token replays it`, () => {
          const p = buildScenario(s.name, { bugs: [bug] });
          const v = explore(p, { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 10_000 });
          expect(v.kind).toBe('violation');
          if (v.kind !== 'violation') return;
          expect(v.violation.name).toBe(invariant);
          expect(replay(p, v.token).violation).toEqual(v.violation);
        });
      }

      // Where mmap_lock excludes the GRU fault path, every GRU flag is verified safe.
      const excluded = s.name === 'gru-munmap' || s.name === 'gru-fork';
      for (const bug of excluded ? Object.keys(s.safeBugs) : []) {
        it(`${bug} is safe here: dpor verifies it`, () => {
          const v = explore(buildScenario(s.name, { bugs: [bug] }), {
            strategy: makeStrategy('dpor'),
            maxRuns: 10_000,
          });
          expect(v.kind).toBe('verified');
        });
      }
    });
  }

  it('exact counterexample: without the hardware dropin rule GRU maps the page MADV_DONTNEED freed', () => {
    const v = explore(buildScenario('gru-dontneed', { bugs: ['no-dropin-drop'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 100_000,
    });
    expect(v.kind === 'violation' && v.violation.name).toBe('coherence');
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'gru.tlb[0] maps page1 (address 0), which is on the free list',
    );
  });
});
