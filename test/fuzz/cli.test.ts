import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

/** A printed command line as argv: words, and single-quoted strings as one word. */
function argv(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('mmulab fuzz', () => {
  it('prints the minimal workload, the violation, the shrunk schedule and one reproduce command; exit 1', async () => {
    const r = await cli('fuzz', 'kvm', '--bug', 'no-retry-check');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual([
      'fuzz kvm (design classic, bugs: no-retry-check): 100 workloads x 100 schedules, random, seed 1',
      'violation: stale-translation, first in generated workload 1',
      'minimal workload (fast-check shrank it 6 times, from 3 threads, 5 operations over 2 pages):',
      '  maps 0-1000 rw-p',
      '  T0 vcpu0: store(0x0)',
      '  T1 cpu0: reclaim(0x0)',
      "stale-translation at step 10 by T0(vcpu0): kvm.spte[0] maps page1 inside try_to_unmap's MMU_NOTIFY_CLEAR [0, 1) after kvm's invalidate_range_start returned",
      'schedule: 11 steps, 2 preemptions (shrunk from 13 steps, 7 preemptions)',
      "reproduce: mmulab fuzz kvm --bug no-retry-check --workload 'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: reclaim(0x0)' --token m1.AAIBBwAC",
    ]);
    expect(lines.at(-1)).toMatch(/^\(5 workloads searched, 8 schedules, 103 steps, \d+ ms\)$/);
  });

  it.each([
    ['gru', '--bug', 'vtop-before-tfh-read', '--devices', '1', '--seed', '3'],
    ['iommu', '--bug', 'flush-sleeps', '--ops', 'munmap,madvise_dontneed'],
    ['kvm', '--bug', 'put-page-before-flush', '--strategy', 'pct', '--max-steps', '5000'],
  ])('the printed reproduce command replays the same violation, step by step: %s', async (...args) => {
    const r = await cli('fuzz', ...args);
    expect(r.code).toBe(1);
    const line = r.out.split('\n').find((l) => l.startsWith('reproduce: '))!;
    const cmd = argv(line.slice('reproduce: '.length));
    expect(cmd.slice(0, 5)).toEqual(['mmulab', 'fuzz', args[0], '--bug', args[2]]);
    const again = await cli(...cmd.slice(1));
    expect(again.code).toBe(1);
    const name = /^violation: (\S+),/m.exec(r.out)![1];
    const message = new RegExp(`^${name} at step (\\d+) by \\S+: (.*)$`, 'm').exec(r.out)!;
    expect(again.out).toContain(`VIOLATION ${name} at step ${message[1]}: ${message[2]}`);
  });

  it('--json: one object with the verdict, the minimal workload and the reproduce command', async () => {
    const r = await cli('fuzz', 'kvm', '--bug', 'no-retry-check', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      secondary: 'kvm',
      bugs: ['no-retry-check'],
      verdict: 'violation',
      devices: 2,
      violation: {
        invariant: 'stale-translation',
        workload: 'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: reclaim(0x0)',
        foundAt: 1,
        shrinks: 6,
        token: 'm1.AAIBBwAC',
        schedule: { steps: 11, preemptions: 2 },
        reproduce:
          "mmulab fuzz kvm --bug no-retry-check --workload 'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: reclaim(0x0)' --token m1.AAIBBwAC",
      },
    });
    const ok = await cli('fuzz', 'hmm', '--json', '--runs', '3', '--schedules', '5');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      verdict: 'bounded',
      workloads: 3,
      schedules: 15,
      violation: null,
    });
  });

  it('--workload searches one hand-written workload', async () => {
    const r = await cli(
      'fuzz',
      'hmm',
      '--bug',
      'sleeps-when-nonblockable',
      '--workload',
      'maps 0-1000 rw-p; T0 device0: load(0x0); T1 cpu0: oom_reap()',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'fuzz hmm (design interval, bugs: sleeps-when-nonblockable): one workload x 100 schedules',
    );
    expect(r.out).toContain('violation: sleep-in-atomic');
  });

  it('--workload with dpor: the fixed KVM verified over every schedule of one workload, the bug found', async () => {
    const w = 'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: munmap(0x0, 0x1000)';
    const ok = await cli('fuzz', 'kvm', '--workload', w, '--strategy', 'dpor', '--schedules', '100000');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(
      'fuzz kvm (design classic, bugs: none): one workload x 100,000 schedules at most, dpor\nverified: every schedule ran (691 runs) with no violation\n(691 schedules, ',
    );
    const cut = await cli('fuzz', 'kvm', '--workload', w, '--strategy', 'dpor', '--schedules', '100');
    expect(cut.code).toBe(0);
    expect(cut.out).toContain('bounded: no violation in 100 runs (cut by the run limit; not a proof)');
    const bug = await cli('fuzz', 'kvm', '--bug', 'no-retry-check', '--workload', w, '--strategy', 'dpor');
    expect(bug.code).toBe(1);
    expect(bug.out).toContain(`violation: stale-translation\nworkload:\n  maps 0-1000 rw-p\n`);
  });

  it('a fixed driver: bounded, exit 0, never verified', async () => {
    const r = await cli('fuzz', 'hmm', '--runs', '5', '--schedules', '20', '--devices', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'fuzz hmm (design interval, bugs: none): 5 workloads x 20 schedules, random, seed 1, at most 1 device thread\nbounded: no violation in 5 workloads x 20 schedules (not a proof)\n(5 workloads searched, 100 schedules,',
    );
    expect(r.out).not.toContain('verified');
  });

  it('--driver: a user driver (examples/toy-tlb.ts), its bug found, its reproduce command carrying the driver', async () => {
    const r = await cli('fuzz', '--driver', 'examples/toy-tlb.ts', '--bug', 'noRetryCheck');
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'fuzz toy-tlb from examples/toy-tlb.ts (design classic, bugs: noRetryCheck): 100 workloads x 100 schedules',
    );
    expect(r.out).toContain(
      "reproduce: mmulab fuzz --driver examples/toy-tlb.ts --bug noRetryCheck --workload 'maps 0-1000 rw-p; T0 device0: store(0x0); T1 cpu0: reclaim(0x0)' --token ",
    );
    const ok = await cli(
      'fuzz',
      '--driver',
      'examples/toy-tlb.ts',
      '--runs',
      '10',
      '--schedules',
      '50',
      '--devices',
      '1',
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('bounded: no violation in 10 workloads x 50 schedules (not a proof)');
  });

  it.each([
    [
      ['fuzz', 'foo'],
      "mmulab: unknown secondary 'foo' (valid: kvm, gru, iommu, hmm, or --driver ./driver.ts)",
    ],
    [['fuzz'], 'mmulab: which secondary? (kvm, gru, iommu, hmm, or --driver ./driver.ts)'],
    [
      ['fuzz', 'kvm', '--driver', 'examples/toy-tlb.ts'],
      'mmulab: give a secondary (kvm) or --driver, not both',
    ],
    [
      ['fuzz', 'kvm', '--bug', 'no-retry-check,nope'],
      "mmulab: unknown bug 'nope' for kvm (valid: no-retry-check, seq-bump-at-start, zap-outside-lock, put-page-before-flush)",
    ],
    [
      ['fuzz', 'kvm', '--runs', '0'],
      "error: option '--runs <n>' argument '0' is invalid. --runs must be a positive integer, got '0'",
    ],
    [
      ['fuzz', 'kvm', '--strategy', 'dpor'],
      "mmulab: --strategy must be random or pct, got 'dpor' (dfs and dpor search one --workload)",
    ],
    [
      ['fuzz', 'kvm', '--workload', 'maps 0-1000 rw-p; T0 vcpu0: store(0x0)', '--strategy', 'bfs'],
      "mmulab: --strategy must be one of random, pct, dfs, dpor, got 'bfs'",
    ],
    [
      ['fuzz', 'kvm', '--ops', 'fault,mremap'],
      "mmulab: unknown operation 'mremap' in --ops (valid: fault, munmap, madvise_dontneed, mprotect, reclaim, fork, oom_reap)",
    ],
    [['fuzz', 'kvm', '--token', 'm1.AAIBBwAC'], 'mmulab: --token replays a run of a --workload: give both'],
    [
      ['fuzz', 'kvm', '--workload', 'maps 0-1000 rw-p; T0 vcpu0: store(0x1000)'],
      "mmulab: bad --workload 'maps 0-1000 rw-p; T0 vcpu0: store(0x1000)': address 0x1000 is outside the mappings",
    ],
    [['fuzz', 'kvm', '--workload', 'maps 0-1000 rw-p; T0 vcpu0: store(0x0)', '--token', 'zz'], null],
  ])('bad input %j exits 2 with one line', async (args, line) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    if (line) expect(r.err).toBe(`${line}\n`);
  });
});
