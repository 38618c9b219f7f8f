import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

describe('mmulab compare', () => {
  it('prints the verdict table, the cost table and each violation with its replay command', async () => {
    const r = await cli('compare', '--designs', 'emm,classic', '--scenarios', 'claim-aging');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        'Verdicts (dpor: verified = every schedule ran, none cut):',
        'scenario     emm              classic',
        '-----------  ---------------  --------',
        'claim-aging  VIOLATION aging  verified',
        '',
        'Costs of the serial run (callbacks/notifier calls, f = secondary TLB flushes, r = fault retries, l = steps under an mmuLock; ! = that run broke; n/a = the scenario predates the design):',
        'scenario     emm           classic',
        '-----------  ------------  ------------',
        'claim-aging  1/1 f1 r0 l1  2/1 f1 r0 l1',
        '',
        'Violations:',
        "  claim-aging under emm: aging: dev's TLB entry for address 0 is still accessed after clear_flush_young: dev was never aged",
        '    mmulab replay claim-aging --design emm --token m1.AQE',
        '',
      ].join('\n'),
    );
  });

  it('the replay command it prints reproduces the violation (exit 1)', async () => {
    const r = await cli('replay', 'claim-aging', '--design', 'emm', '--token', 'm1.AQE');
    expect(r.code).toBe(1);
    expect(r.out).toContain('VIOLATION aging');
  });

  it('--json gives the same cells as data; a +flag selects a variant row', async () => {
    const r = await cli(
      'compare',
      '--json',
      '--designs',
      'classic,seqlock-register',
      '--scenarios',
      'claim-end-without-start+assumes-pairing',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      designs: string[];
      rows: Array<{ label: string; bugs: string[]; cells: Array<Record<string, unknown>> }>;
    };
    expect(j.designs).toEqual(['classic', 'seqlock-register']);
    expect(j.rows.map((x) => [x.label, x.bugs])).toEqual([
      ['claim-end-without-start +assumes-pairing', ['assumes-pairing']],
    ]);
    const [classic, seqlock] = j.rows[0]!.cells;
    expect([classic!.design, classic!.verdict, classic!.invariant]).toEqual(['classic', 'verified', null]);
    expect([seqlock!.design, seqlock!.verdict, seqlock!.invariant, seqlock!.message]).toEqual([
      'seqlock-register',
      'violation',
      'pairing',
      'dev: -1 invalidations in progress (more ends than starts)',
    ]);
    expect(seqlock!.replay).toMatch(
      /^mmulab replay claim-end-without-start --design seqlock-register --bug assumes-pairing --token m1\./,
    );
    expect(classic!.costs).toEqual({
      notifierOps: 2,
      callbacks: 0,
      tlbFlushes: 0,
      faultRetries: 0,
      mmuLockSteps: 0,
      // Two invalidation walks and the registration, each reading the subscriber list as a
      // step; try_to_unmap's PT lock held across its flush and swap_writepage.
      steps: 17,
      violated: null,
    });
  });

  it('a design a scenario predates is n/a, with no search and no costs', async () => {
    const r = await cli(
      'compare',
      '--json',
      '--designs',
      'interval,classic',
      '--scenarios',
      'era-reclaim-2.6.27',
    );
    const cells = (JSON.parse(r.out) as { rows: Array<{ cells: Array<Record<string, unknown>> }> }).rows[0]!
      .cells;
    expect(cells.map((c) => [c.design, c.verdict, c.invariant, c.runs, c.costs === null])).toEqual([
      ['interval', 'n/a', null, 0, true],
      ['classic', 'violation', 'sleep-in-atomic', 1, false],
    ]);
  });

  it('bad names are one line and exit 2', async () => {
    const bad: Array<[string[], string]> = [
      [
        ['--designs', 'emm,mm_lock'],
        "mmulab: unknown notifier design 'mm_lock' (valid: emm, classic, rcu-register, seqlock-register, interval)\n",
      ],
      [['--scenarios', 'claim-aging+zzz'], "mmulab: unknown bug 'zzz' for claim-aging (valid: none)\n"],
      [['--designs', ','], 'mmulab: --designs needs at least one name\n'],
    ];
    for (const [args, err] of bad) {
      const r = await cli('compare', ...args);
      expect([r.code, r.out, r.err]).toEqual([2, '', err]);
    }
  });
});
