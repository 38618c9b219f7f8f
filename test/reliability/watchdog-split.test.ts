import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const HANG = 'test/fixtures/drivers/hang.ts';
const LATE = 'test/fixtures/drivers/hang-late.ts';
const HOSTILE = 'test/fixtures/drivers/hostile.ts';
const TIMEOUT = ['--step-timeout', '300'];
const dir = mkdtempSync(join(tmpdir(), 'mmulab-watch-split-'));

const HUNG_AT_8 =
  "T1(munmap) took step 8, tlb_invalidate(hang.tlb), and did not come back in 300 ms: the step or the thread's code after it (in invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap > hang.invalidate_range_start) loops without yielding";

interface VerdictJson {
  verdict: string;
  runs: number;
  steps: number;
  ms?: number;
  violation: { invariant: string; message: string; step: number; token: string } | null;
}
const json = (text: string) => JSON.parse(text) as VerdictJson;
const found = (v: VerdictJson) => ({ verdict: v.verdict, runs: v.runs, violation: v.violation });
const noMs = (text: string) => {
  const { ms: _, ...rest } = json(text);
  return rest;
};

describe('the watchdog under --workers and --shard: a hang in any shard is a driver-hang verdict', () => {
  it('explore --workers 2: the verdict, token and replay command of the single watched search', async () => {
    const r = await cli(
      'explore',
      'munmap',
      '--driver',
      HANG,
      '--strategy',
      'dpor',
      '--workers',
      '2',
      ...TIMEOUT,
    );
    expect([r.code, r.err]).toEqual([1, '']);
    // dpor's unit probes hang first, in every worker: key 0, the first run.
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      `munmap with driver ${HANG} (design classic, bugs: none) with dpor`,
      'violation: driver-hang, found after 1 run(s)',
      `  ${HUNG_AT_8}`,
      '  at step 8 by T1(munmap)',
      `replay: mmulab replay munmap --driver ${HANG} --step-timeout 300 --token m1.AAc`,
    ]);
  });

  it('a hang in some runs only: the run and token do not depend on the workers, and replay to the hang', async () => {
    const args = ['explore', 'munmap', '--driver', LATE, '--strategy', 'random', '--json', ...TIMEOUT];
    const single = json((await cli(...args)).out);
    const split = json((await cli(...args, '--workers', '2')).out);
    expect(found(single)).toMatchObject({
      verdict: 'violation',
      runs: 6,
      violation: { invariant: 'driver-hang' },
    });
    expect(found(split)).toEqual(found(single));
    const replay = await cli(
      'replay',
      'munmap',
      '--driver',
      LATE,
      ...TIMEOUT,
      '--token',
      split.violation!.token,
    );
    expect(replay.code).toBe(1);
    expect(replay.out.trimEnd().split('\n').at(-1)).toBe(
      `VIOLATION driver-hang at step 16: ${split.violation!.message}`,
    );
  });

  it('--shard i/n: the shard result records the driver-hang and mmulab merge reports it', async () => {
    const files = [0, 1].map((i) => join(dir, `hang-${i}.json`));
    for (const [i, f] of files.entries()) {
      const r = await cli('explore', 'munmap', '--driver', HANG, '--shard', `${i}/2`, '--out', f, ...TIMEOUT);
      expect([r.code, r.err, r.out]).toEqual([
        1,
        '',
        `munmap[classic]: shard ${i}/2 violation after 1 run(s) [dpor]; wrote ${f}\n`,
      ]);
      const shard = JSON.parse(readFileSync(f, 'utf8')) as {
        status: string;
        violation: { at: number; violation: { name: string; message: string }; token: string };
      };
      expect([shard.status, shard.violation.at, shard.violation.token]).toEqual(['violation', 0, 'm1.AAc']);
      expect(shard.violation.violation).toMatchObject({ name: 'driver-hang', message: HUNG_AT_8 });
    }
    const merged = await cli('merge', ...files);
    expect([merged.code, merged.out]).toEqual([
      1,
      `munmap[classic]: violation: driver-hang after 1 run: ${HUNG_AT_8} [dpor, 2 shards]\nreplay token: m1.AAc\n`,
    ]);
  });

  it('without a hang, a watched split search has the verdict, runs and token of an unwatched one', async () => {
    for (const strategy of ['dpor', 'random', 'pct']) {
      const args = [
        'explore',
        'munmap',
        '--driver',
        HOSTILE,
        '--strategy',
        strategy,
        '--workers',
        '2',
        '--json',
      ];
      const watched = json((await cli(...args)).out);
      const plain = json((await cli(...args, '--no-watchdog')).out);
      expect(watched.verdict).toBe('violation');
      // Steps past the winning violation depend on when the other worker saw it: not compared.
      expect(found(watched)).toEqual(found(plain));
    }
    const kvm = ['explore', 'kvm-munmap', '--strategy', 'dpor', '--workers', '2', '--json'];
    const watched = await cli(...kvm, '--step-timeout', '2000');
    const plain = await cli(...kvm);
    expect(noMs(watched.out)).toEqual(noMs(plain.out));
    expect(noMs(plain.out)).toMatchObject({ verdict: 'verified', runs: 451 });
    const shard = ['explore', 'munmap', '--driver', HOSTILE, '--shard', '1/2', '--json'];
    const w = await cli(...shard);
    const p = await cli(...shard, '--no-watchdog');
    expect([w.code, p.code]).toEqual([1, 1]);
    expect(noMs(w.out)).toEqual(noMs(p.out));
  });
});
