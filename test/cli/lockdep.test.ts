import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

describe('mmulab explore --lockdep', () => {
  it('reports the range lock held from start to end against the notifier map; replay needs --lockdep', async () => {
    const r = await cli('explore', 'claim-parallel-starts', '--strategy', 'dpor', '--lockdep');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'claim-parallel-starts (design classic, bugs: none, lockdep) with dpor',
      'violation: circular-locking, found after 1 run(s)',
      '  possible circular locking dependency: T0(dontneed) takes mmu_notifier_invalidate_range_start while holding dev.rangeLock, but mmu_notifier_invalidate_range_start → dev.rangeLock already (T0(dontneed) took dev.rangeLock under mmu_notifier_invalidate_range_start)',
      '  at step 4 by T0(dontneed)',
      'replay: mmulab replay claim-parallel-starts --lockdep --token m1.AAU',
    ]);
    const again = await cli('replay', 'claim-parallel-starts', '--lockdep', '--token', 'm1.AAU');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/VIOLATION circular-locking at step 4:/);
    // Without the validator the run goes on past the report: the token is too short for it.
    const plain = await cli('replay', 'claim-parallel-starts', '--token', 'm1.AAU');
    expect(plain.code).toBe(2);
    expect(plain.err).toBe(
      'mmulab: the token does not fit this scenario: the run needs more choices than the token has\n',
    );
  });

  it('without --lockdep the same scenario is verified', async () => {
    const r = await cli('explore', 'claim-parallel-starts', '--strategy', 'dpor');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^verified: every schedule ran \(\d[\d,]* runs\) with no violation$/m);
  });

  it('an --out record made with --lockdep does not resume without it', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const f = join(mkdtempSync(join(tmpdir(), 'mmulab-')), 'search.jsonl');
    const first = await cli(
      'explore',
      'kvm-munmap',
      '--strategy',
      'dpor',
      '--runs',
      '3',
      '--lockdep',
      '--out',
      f,
    );
    expect(first.code).toBe(0);
    const r = await cli('explore', 'kvm-munmap', '--strategy', 'dpor', '--resume', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/it records a search with lockdep true, this one has false$/m);
  });
});
