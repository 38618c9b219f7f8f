import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const HOSTILE = 'test/fixtures/drivers/hostile.ts';

/** `mmulab explore munmap --driver hostile.ts --bug <flag>`: the search's text output. */
const search = (bug: string, ...more: string[]) =>
  cli(
    'explore',
    'munmap',
    '--driver',
    HOSTILE,
    '--bug',
    bug,
    '--strategy',
    'random',
    '--runs',
    '50',
    ...more,
  );

describe("a user driver's faults end the run with a named violation and a replay token", () => {
  it('a callback that throws: driver-exception, naming the driver and the callback', async () => {
    const r = await search('throwInStart');
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      `munmap with driver ${HOSTILE} (design classic, bugs: throwInStart) with random`,
      'violation: driver-exception, found after 1 run(s)',
      '  hostile.invalidateRangeStart threw: cannot read properties of undefined (reading pte)',
      '  at step 10 by T1(munmap)',
      `replay: mmulab replay munmap --driver ${HOSTILE} --bug throwInStart --token m1.AAk`,
    ]);
  });

  it('a callback that returns outside its contract: bad-return', async () => {
    const start = await search('badStartReturn');
    expect(start.code).toBe(1);
    expect(start.out.split('\n').slice(1, 3)).toEqual([
      'violation: bad-return, found after 1 run(s)',
      "  hostile.invalidateRangeStart returned 1, not 0 or 'EAGAIN'",
    ]);
    const access = await search('badAccessReturn');
    expect(access.out.split('\n').slice(1, 3)).toEqual([
      'violation: bad-return, found after 1 run(s)',
      "  hostile.access returned 'yes', not a boolean",
    ]);
  });

  it('a callback that spins on steps: step-budget, at the budget given', async () => {
    const r = await search('spinInEnd', '--max-steps', '500');
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(1, 4)).toEqual([
      'violation: step-budget, found after 1 run(s)',
      '  500 steps and 1 thread(s) still running: a livelock, or raise the budget (maxSteps)',
      '  at step 499 by T1(munmap)',
    ]);
    expect(r.out).toMatch(/--max-steps 500 --token m1\./);
  });

  it('a callback that sleeps under a spinlock: sleep-in-atomic', async () => {
    const r = await search('sleepUnderLock');
    expect(r.out.split('\n').slice(1, 3)).toEqual([
      'violation: sleep-in-atomic, found after 1 run(s)',
      '  T0(device) calls down_read(mm.mmapLock), which may sleep, in atomic context (spin_lock(hostile.lock))',
    ]);
  });

  it('each token replays to the same violation', async () => {
    for (const [bug, name] of [
      ['throwInStart', 'driver-exception'],
      ['badStartReturn', 'bad-return'],
      ['badAccessReturn', 'bad-return'],
      ['sleepUnderLock', 'sleep-in-atomic'],
    ] as const) {
      const found = JSON.parse((await search(bug, '--json')).out) as { violation: { token: string } };
      const r = await cli(
        'replay',
        'munmap',
        '--driver',
        HOSTILE,
        '--bug',
        bug,
        '--token',
        found.violation.token,
      );
      expect(r.code).toBe(1);
      expect(r.out).toContain(name);
    }
  });

  it('the driver with no bug flag on is searched normally (its real race, not a fault)', async () => {
    const r = await cli('explore', 'munmap', '--driver', HOSTILE, '--strategy', 'dpor', '--json');
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: 'violation',
      violation: { invariant: 'stale-translation' },
    });
  });
});
