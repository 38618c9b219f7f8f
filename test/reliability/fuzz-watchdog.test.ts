import { describe, expect, it } from 'vitest';
import { loadDriver } from '../../src/cli/load-driver.js';
import { driverTarget } from '../../src/fuzz/targets.js';
import { fuzzWatched } from '../../src/fuzz/watched.js';
import { formatWorkload } from '../../src/fuzz/workload.js';
import { cli } from '../cli/run.js';

const HANG_MPROTECT = 'test/fixtures/drivers/hang-mprotect.ts';
const HANG = 'test/fixtures/drivers/hang.ts';
const HANG_LATE = 'test/fixtures/drivers/hang-late.ts';
// A short watchdog keeps the suite fast; the default (2,000 ms) is the same code.
const TIMEOUT = ['--step-timeout', '300'];
const SMALL = ['--runs', '20', '--schedules', '20'];

const MINIMAL =
  'maps 0-1000 rw-p; T0 device0: store(0x0); T1 cpu0: mprotect(0x0, 0x1000, PROT_READ), reclaim(0x0)';
const HUNG_AT_5 =
  "T1(cpu0) took step 5, tlb_invalidate(hm.tlb), and did not come back in 300 ms: the step or the thread's code after it (in invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA [0, 1)) from mprotect > hang-mprotect.invalidate_range_start) loops without yielding";
const REPRODUCE = `mmulab fuzz --driver ${HANG_MPROTECT} --step-timeout 300 --workload '${MINIMAL}' --token m1.AAIBAQ`;

/** A printed command line as argv: words, and single-quoted strings as one word. */
const argv = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
const noMs = (text: string) => text.replace(/, \d+ ms\)$/m, ')');

describe('mmulab fuzz is watched: a driver loop that never yields is a driver-hang, not a hung process', () => {
  it('--driver: the hung workload, shrunk across hangs, the violation and a reproduce command; exit 1', async () => {
    const r = await cli('fuzz', '--driver', HANG_MPROTECT, ...SMALL, ...TIMEOUT);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual([
      `fuzz hang-mprotect from ${HANG_MPROTECT} (design classic, bugs: none): 20 workloads x 20 schedules, random, seed 1`,
      'violation: driver-hang, first in generated workload 1',
      'minimal workload (fast-check shrank it 9 times, from 3 threads, 5 operations over 2 pages):',
      '  maps 0-1000 rw-p',
      '  T0 device0: store(0x0)',
      '  T1 cpu0: mprotect(0x0, 0x1000, PROT_READ), reclaim(0x0)',
      `driver-hang at step 5 by T1(cpu0): ${HUNG_AT_5}`,
      `reproduce: ${REPRODUCE}`,
    ]);
    // Each hung search counts its runs up to the hung one, and their steps before the hang.
    expect(lines.at(-1)).toMatch(/^\(5 workloads searched, 24 schedules, 833 steps, \d+ ms\)$/);
  });

  it('the reproduce command replays to the same driver-hang (the replay is watched too)', async () => {
    const r = await cli(...argv(REPRODUCE).slice(1));
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const lines = r.out.split('\n').filter((l) => l !== '');
    expect(lines.slice(0, 3)).toEqual([
      'maps 0-1000 rw-p',
      'T0 device0: store(0x0)',
      'T1 cpu0: mprotect(0x0, 0x1000, PROT_READ), reclaim(0x0)',
    ]);
    expect(lines.at(-1)).toBe(`VIOLATION driver-hang at step 5: ${HUNG_AT_5}`);
    // The trace shows every step that returned: 0..4.
    expect(lines.filter((l) => /^\s+\d+ T/.test(l)).map((l) => Number(l.trim().split(' ')[0]))).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('--workload W (its schedules searched) is watched: the same driver-hang and token', async () => {
    const r = await cli('fuzz', '--driver', HANG_MPROTECT, '--workload', MINIMAL, ...TIMEOUT);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual([
      `fuzz hang-mprotect from ${HANG_MPROTECT} (design classic, bugs: none): one workload x 100 schedules at most, random, seed 1`,
      'violation: driver-hang',
      'workload:',
      '  maps 0-1000 rw-p',
      '  T0 device0: store(0x0)',
      '  T1 cpu0: mprotect(0x0, 0x1000, PROT_READ), reclaim(0x0)',
      `driver-hang at step 5 by T1(cpu0): ${HUNG_AT_5}`,
      `reproduce: ${REPRODUCE}`,
    ]);
    expect(lines.at(-1)).toMatch(/^\(1 workload searched, 1 schedules, 5 steps, \d+ ms\)$/);
  });

  it('a driver that hangs in some schedules only: --json names the hang, and its token replays to it', async () => {
    const r = await cli('fuzz', '--driver', HANG_LATE, ...SMALL, ...TIMEOUT, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as {
      verdict: string;
      workloads: number;
      schedules: number;
      violation: {
        invariant: string;
        step: number;
        thread: string;
        workload: string;
        shrinks: number;
        token: string;
        reproduce: string;
      };
    };
    expect([j.verdict, j.workloads, j.schedules]).toEqual(['violation', 13, 197]);
    expect(j.violation).toMatchObject({
      invariant: 'driver-hang',
      step: 19,
      thread: 'T1(cpu0)',
      workload: 'maps 0-1000 rw-p; T0 device0: store(0x0); T1 cpu0: reclaim(0x0)',
      shrinks: 7,
      token: 'm1.AAIBAgAEAQIAAg',
    });
    const again = await cli(...argv(j.violation.reproduce).slice(1));
    expect(again.code).toBe(1);
    expect(again.out).toContain(
      'VIOLATION driver-hang at step 19: T1(cpu0) took step 19, tlb_invalidate(late.tlb)',
    );
  });

  it('shrinking stops at the bound on hangs: the last hung workload is reported as the minimal one', async () => {
    const target = driverTarget(await loadDriver(HANG));
    const opts = { bugs: [], runs: 20, schedules: 20, seed: 1, strategy: 'random' as const };
    const r = await fuzzWatched({ secondary: null, driver: HANG }, target, opts, 300, 2);
    expect(r.kind).toBe('violation');
    if (r.kind !== 'violation') return;
    expect([r.violation.name, r.foundAt, r.shrinks, r.path, r.workloads]).toEqual([
      'driver-hang',
      1,
      1,
      '',
      2,
    ]);
    expect(formatWorkload(r.found)).not.toBe(formatWorkload(r.workload));
  });
});

describe('without a hang, a watched fuzz run prints what an unwatched one prints', () => {
  it.each([
    [['kvm', '--bug', 'no-retry-check']],
    [['gru', '--runs', '10', '--schedules', '20']],
    [['--driver', 'examples/toy-tlb.ts', '--bug', 'noRetryCheck']],
  ])('%j', async (args) => {
    const plain = await cli('fuzz', ...args, '--no-watchdog');
    const watched = await cli('fuzz', ...args, '--step-timeout', '2000');
    expect(watched.code).toBe(plain.code);
    expect(watched.err).toBe('');
    // The reproduce command carries the watchdog, so that its replay is watched too.
    expect(noMs(watched.out).replace(' --step-timeout 2000 --workload', ' --workload')).toBe(noMs(plain.out));
  });

  it('--json too, `ms` aside', async () => {
    const args = ['fuzz', '--driver', 'examples/toy-tlb.ts', '--runs', '5', '--schedules', '20', '--json'];
    const { ms: _a, ...plain } = JSON.parse((await cli(...args, '--no-watchdog')).out) as { ms: number };
    const { ms: _b, ...watched } = JSON.parse((await cli(...args)).out) as { ms: number };
    expect(watched).toEqual(plain);
    expect((plain as { verdict: string }).verdict).toBe('bounded');
  });

  it('a bad --step-timeout is one line, exit 2', async () => {
    const r = await cli('fuzz', 'kvm', '--step-timeout', '0');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });
});
