import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const HANG = 'test/fixtures/drivers/hang.ts';
const HOSTILE = 'test/fixtures/drivers/hostile.ts';
// A short watchdog keeps the suite fast; the default (2,000 ms) is the same code.
const TIMEOUT = ['--step-timeout', '300'];

const noMs = (text: string) => {
  const { ms: _, ...rest } = JSON.parse(text) as { ms: number };
  return rest;
};

const HUNG_AT_8 =
  "T1(munmap) took step 8, tlb_invalidate(hang.tlb), and did not come back in 300 ms: the step or the thread's code after it (in invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap > hang.invalidate_range_start) loops without yielding";

describe('the watchdog: a driver loop that never yields is a driver-hang, not a hung process', () => {
  it('explore --driver: a driver-hang naming the thread and step, a replay token, exit 1', async () => {
    const r = await cli('explore', 'munmap', '--driver', HANG, '--strategy', 'dpor', ...TIMEOUT);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      `munmap with driver ${HANG} (design classic, bugs: none) with dpor`,
      'violation: driver-hang, found after 1 run(s)',
      `  ${HUNG_AT_8}`,
      '  at step 8 by T1(munmap)',
      `replay: mmulab replay munmap --driver ${HANG} --step-timeout 300 --token m1.AAc`,
    ]);
  });

  it('the replay of the token ends in the same driver-hang (the replay is watched too)', async () => {
    const r = await cli('replay', 'munmap', '--driver', HANG, ...TIMEOUT, '--token', 'm1.AAc');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n').filter((l) => l !== '');
    expect(lines.at(-1)).toBe(`VIOLATION driver-hang at step 8: ${HUNG_AT_8}`);
    // The trace shows every step that returned: 0..7.
    expect(lines.filter((l) => /^\s+\d+ T/.test(l)).map((l) => Number(l.trim().split(' ')[0]))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('random finds it too, with a token that replays to it', async () => {
    const found = JSON.parse(
      (await cli('explore', 'munmap', '--driver', HANG, '--strategy', 'random', '--json', ...TIMEOUT)).out,
    ) as { verdict: string; runs: number; violation: { invariant: string; step: number; token: string } };
    expect([found.verdict, found.runs, found.violation.invariant]).toEqual(['violation', 1, 'driver-hang']);
    const r = await cli('replay', 'munmap', '--driver', HANG, ...TIMEOUT, '--token', found.violation.token);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`VIOLATION driver-hang at step ${found.violation.step}: T1(munmap) took step`);
  });

  it('--keep-going: each hanging run is pruned at the hang and the search restarts after it', async () => {
    const r = await cli(
      'explore',
      'munmap',
      '--driver',
      HANG,
      '--strategy',
      'random',
      '--runs',
      '3',
      '--keep-going',
      '--json',
      ...TIMEOUT,
    );
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as {
      verdict: string;
      runs: number;
      end: string;
      violations: { key: string; run: number }[];
    };
    // Every run hangs at the same place: one distinct violation, found in run 1.
    expect([v.verdict, v.runs, v.end]).toEqual(['violation', 3, 'runs']);
    expect(v.violations.map((f) => [f.key, f.run])).toEqual([
      ['driver-hang @ munmap hang.tlb.tlb_invalidate', 1],
    ]);
  });

  it('a watched search makes the same runs to the same verdict as one in this thread', async () => {
    for (const strategy of ['dpor', 'random']) {
      const args = ['explore', 'munmap', '--driver', HOSTILE, '--strategy', strategy, '--json'];
      const watched = await cli(...args);
      const plain = await cli(...args, '--no-watchdog');
      expect([watched.code, plain.code]).toEqual([1, 1]);
      expect(noMs(watched.out)).toEqual(noMs(plain.out));
    }
    const kg = ['explore', 'kvm-munmap', '--bug', 'no-retry-check', '--bug', 'put-page-before-flush'];
    const watched = await cli(
      ...kg,
      '--strategy',
      'dpor',
      '--keep-going',
      '--json',
      '--step-timeout',
      '2000',
    );
    const plain = await cli(...kg, '--strategy', 'dpor', '--keep-going', '--json');
    // The replay commands of a watched search carry its --step-timeout; nothing else differs.
    expect(noMs(watched.out.replaceAll(' --step-timeout 2000', ''))).toEqual(noMs(plain.out));
    expect(noMs(plain.out)).toMatchObject({ verdict: 'violation', end: 'finished', runs: 299 });
  });

  it('bad watchdog options: one line, exit 2', async () => {
    const zero = await cli('explore', 'munmap', '--driver', HANG, '--step-timeout', '0');
    expect([zero.code, zero.err]).toEqual([
      2,
      "error: option '--step-timeout <ms>' argument '0' is invalid. --step-timeout must be a positive integer, got '0'\n",
    ]);
    // A split search is watched (test/reliability/watchdog-split.test.ts) but does not keep going.
    const split = await cli('explore', 'munmap', '--driver', HANG, '--workers', '2', '--keep-going');
    expect([split.code, split.err]).toEqual([
      2,
      'mmulab: --keep-going and --max-violations go on within one search: not with --workers or --shard\n',
    ]);
  });
});
