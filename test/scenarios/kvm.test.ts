import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { buildScenario, catalogue, findScenario } from '../../src/scenarios/catalogue.js';
import { kvmBugs } from '../../src/secondary-mmu/kvm/bugs.js';

const bugs = Object.keys(kvmBugs);

/** The invariant dfs reports first, per scenario and bug: each names what the bug breaks. */
const expected: Record<string, Record<string, string>> = {
  'kvm-munmap': {
    'no-retry-check': 'stale-translation',
    'seq-bump-at-start': 'stale-translation',
    'zap-outside-lock': 'stale-translation',
    'put-page-before-flush': 'coherence',
  },
  'kvm-dontneed': {
    'no-retry-check': 'stale-translation',
    'seq-bump-at-start': 'stale-translation',
    'zap-outside-lock': 'stale-translation',
    'put-page-before-flush': 'coherence',
  },
  'kvm-fork-cow': {
    'no-retry-check': 'stale-translation',
    'seq-bump-at-start': 'stale-translation',
    'zap-outside-lock': 'stale-translation',
    'put-page-before-flush': 'data-integrity',
  },
  'kvm-reclaim-aging': {
    'no-retry-check': 'stale-translation',
    'seq-bump-at-start': 'stale-translation',
    'zap-outside-lock': 'stale-translation',
    'put-page-before-flush': 'data-integrity',
  },
};

/** The scenarios of the KVM bug flags (kvm-postcopy has its own: test/scenarios/kvm-postcopy.test.ts). */
const kvmScenarios = catalogue.filter((s) => s.name in expected);

describe('KVM scenarios', () => {
  it('the catalogue lists the four scenarios, each exposing every KVM bug flag', () => {
    expect(kvmScenarios.map((s) => s.name)).toEqual(Object.keys(expected));
    for (const s of kvmScenarios) expect(Object.keys(s.bugs)).toEqual(bugs);
  });

  for (const s of kvmScenarios) {
    describe(s.name, () => {
      it('the correct driver is verified by dfs and by dpor (every schedule class, no cut)', () => {
        const v = explore(buildScenario(s.name), { strategy: new DfsStrategy(), maxRuns: 1_000_000 });
        expect(v.kind).toBe('verified');
        const d = explore(buildScenario(s.name), { strategy: makeStrategy('dpor'), maxRuns: 1_000_000 });
        expect(d.kind).toBe('verified');
        expect(d.runs).toBeLessThan(v.runs);
      });

      it('dpor finds every bug flag', () => {
        for (const bug of bugs) {
          const v = explore(buildScenario(s.name, { bugs: [bug] }), {
            strategy: makeStrategy('dpor'),
            maxRuns: 1_000_000,
          });
          expect([bug, v.kind === 'violation' && v.violation.name]).toEqual([bug, expected[s.name]![bug]]);
        }
      });

      for (const bug of bugs) {
        it(`${bug}: dfs finds ${expected[s.name]![bug]}, random finds it within 10,000 runs, the token replays it`, () => {
          const p = buildScenario(s.name, { bugs: [bug] });
          const v = explore(p, { strategy: new DfsStrategy(), maxRuns: 1_000_000 });
          expect(v.kind).toBe('violation');
          if (v.kind !== 'violation') return;
          expect(v.violation.name).toBe(expected[s.name]![bug]);
          const again = replay(p, v.token);
          expect(again.violation).toEqual(v.violation);
          const r = explore(p, { strategy: new RandomStrategy(1), maxRuns: 10_000 });
          expect(r.kind).toBe('violation');
        });
      }
    });
  }

  it('exact counterexample: without the retry check the vCPU installs an SPTE inside munmap’s bracket', () => {
    const v = explore(buildScenario('kvm-munmap', { bugs: ['no-retry-check'] }), {
      strategy: new DfsStrategy(),
      maxRuns: 1000,
    });
    expect(v.kind === 'violation' && v.violation).toEqual({
      name: 'stale-translation',
      message:
        "kvm.spte[0] maps page1 inside munmap's MMU_NOTIFY_UNMAP [0, 1) after kvm's invalidate_range_start returned",
      step: 9,
      thread: 'T0(vcpu0)',
    });
  });

  it('unknown names are MmulabErrors naming the valid ones', () => {
    // Other scenarios follow the KVM ones in the list.
    expect(() => findScenario('kvm')).toThrow(
      `unknown scenario 'kvm' (valid: ${catalogue.map((s) => s.name).join(', ')})`,
    );
    expect(() => buildScenario('kvm-munmap', { bugs: ['x'] })).toThrow(
      "unknown bug 'x' for kvm-munmap (valid: no-retry-check, seq-bump-at-start, zap-outside-lock, put-page-before-flush)",
    );
    expect(() => buildScenario('kvm-munmap', { design: 'emm' })).toThrow(
      "notifier design 'emm' is not available for kvm-munmap (valid: classic)",
    );
  });
});
