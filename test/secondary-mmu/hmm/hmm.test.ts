import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../../src/errors.js';
import { explore, replay } from '../../../src/explore/explorer.js';
import { makeStrategy } from '../../../src/explore/strategies/index.js';
import { makeChain } from '../../../src/notifier/designs.js';
import { Mm } from '../../../src/primary/mm.js';
import { PageAllocator } from '../../../src/primary/page.js';
import { buildScenario } from '../../../src/scenarios/catalogue.js';
import { hmm, hmmBugs } from '../../../src/secondary-mmu/hmm/index.js';

describe('hmm mirror', () => {
  it('has the three bug flags of the brief and runs on the interval design only', () => {
    expect(Object.keys(hmmBugs)).toEqual([
      'no-read-retry',
      'set-seq-outside-lock',
      'sleeps-when-nonblockable',
    ]);
    expect(hmm.designs).toEqual(['interval']);
  });

  it('refuses a chain without mmu_interval_notifier with one clear error', () => {
    const mm = new Mm('mm', new PageAllocator(2), {
      size: 1,
      vmas: [{ start: 0, end: 1, write: true, private: true }],
    });
    const dev = hmm.create(mm, []);
    let err: unknown;
    try {
      dev.attach(makeChain('classic', mm, {}));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MmulabError);
    expect((err as MmulabError).code).toBe('MMULAB_UNKNOWN_DESIGN');
    expect((err as MmulabError).message).toBe(
      "the hmm mirror needs the 'interval' design (mmu_interval_notifier), not 'classic'",
    );
  });

  it('an unknown bug flag is an MmulabError naming the valid ones', () => {
    expect(() => buildScenario('hmm-munmap', { bugs: ['no-such-bug'] })).toThrow(/no-read-retry/);
  });

  it('hmm-munmap without read_retry: the device maps the page munmap is unmapping, exactly', () => {
    const p = buildScenario('hmm-munmap', { bugs: ['no-read-retry'] });
    const v = explore(p, { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 10_000 });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation.name).toBe('stale-translation');
    expect(v.violation.message).toBe(
      "dmirror.pt[0] maps page1 inside munmap's MMU_NOTIFY_UNMAP [0, 1) after dmirror's invalidate_range_start returned",
    );
    expect(v.token).toBe('m1.AAYBAwAC');
    expect(replay(p, v.token).violation).toEqual(v.violation);
  });

  it('hmm-munmap: the fix and the (blockable-only) sleeping flag are verified by dpor', () => {
    for (const bugs of [[], ['sleeps-when-nonblockable']]) {
      const v = explore(buildScenario('hmm-munmap', { bugs }), {
        strategy: makeStrategy('dpor'),
        maxRuns: 100_000,
      });
      expect(v.kind).toBe('verified');
    }
  });

  it('hmm-oom-reap: mutex_lock under a non-blockable range is a sleep-in-atomic at the reaper', () => {
    const p = buildScenario('hmm-oom-reap', { bugs: ['sleeps-when-nonblockable'] });
    const v = explore(p, { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 100 });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation.name).toBe('sleep-in-atomic');
    expect(v.violation.message).toBe(
      'T1(oom_reaper) calls mutex_lock(dmirror.mutex), which may sleep, in atomic context (non-blockable range)',
    );
  });

  it('hmm-oom-reap: with the mutex held by the fault, the reaper gets -EAGAIN and leaves the PTE', () => {
    // Every schedule where the reaper's trylock fails keeps page1 mapped: some run of the
    // sampled search must take that path (the reaper then returns false: VMA skipped).
    let skipped = 0;
    explore(buildScenario('hmm-oom-reap'), {
      strategy: makeStrategy('random', { seed: 1 }),
      maxRuns: 2_000,
      onRun: (_i, r) => {
        if (r.threads.some((t) => t.name === 'oom_reaper' && t.result === false)) skipped++;
      },
    });
    expect(skipped).toBeGreaterThan(0);
  });
});
