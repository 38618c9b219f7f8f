import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../../src/explore/explorer.js';
import { makeStrategy } from '../../../src/explore/strategies/index.js';
import { buildScenario, findScenario } from '../../../src/scenarios/catalogue.js';

describe('races the kernel eras make expressible', () => {
  it('kvm-ksm-merge-3.6: without the seq bump, a fault that resolved the old page before KSM replaced it maps it, and it is freed', () => {
    const p = buildScenario('kvm-ksm-merge-3.6', { bugs: ['change-pte-no-seq-bump'] });
    const v = explore(p, { strategy: makeStrategy('dpor'), maxRuns: 10_000 });
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'kvm.spte[0] maps page1 (address 0), which is on the free list',
    );
    if (v.kind === 'violation') expect(replay(p, v.token).violation).toEqual(v.violation);
  });

  it('kvm-ksm-merge-6.6 is sampled (dpor does not finish it in the main job): no violation in 2,000 random runs', () => {
    const s = findScenario('kvm-ksm-merge-6.6');
    expect(s.catalogueSearch?.strategy).toBe('random');
    for (const bugs of [[], ['change-pte-no-seq-bump']]) {
      const v = explore(buildScenario(s.name, { bugs }), {
        strategy: makeStrategy('random', { seed: 1 }),
        maxRuns: 2_000,
      });
      expect(v.kind).toBe('bounded');
    }
  });

  it('the flag is safe once change_pte is bracketed (6.6, sampled by the catalogue run) and not offered once it is gone (6.9)', () => {
    expect(Object.keys(findScenario('kvm-ksm-merge-6.6').safeBugs)).toEqual(['change-pte-no-seq-bump']);
    expect(Object.keys(findScenario('kvm-ksm-merge').safeBugs)).toEqual([]);
    expect(Object.keys(findScenario('kvm-ksm-merge').bugs)).toEqual([]);
  });

  it('iommu-munmap-4.13: a sleeping invalidate_range goes unnoticed on munmap (no spinlock held there)', () => {
    const v = explore(buildScenario('iommu-munmap-4.13', { bugs: ['flush-sleeps'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 10_000,
    });
    expect(v.kind).toBe('verified');
  });

  it('kvm-exit-reclaim: unlink-before-release frees the page under the SPTE', () => {
    const v = explore(buildScenario('kvm-exit-reclaim', { bugs: ['unlink-before-release'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 10_000,
    });
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'kvm.spte[0] maps page1 (address 0), which is on the free list',
    );
  });
});
