import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { mergeShards } from '../../src/explore/merge.js';
import { resolveProgram } from '../../src/explore/program-ref.js';
import { runShard } from '../../src/explore/shard.js';
import { exploreParallel } from '../../src/explore/workers.js';
import { notifierRace } from '../../src/scenarios/demos.js';

const DEMOS = fileURLToPath(new URL('../../src/scenarios/demos.ts', import.meta.url));
const race = (fixed: boolean, v: number, p: number) => ({
  module: DEMOS,
  export: 'notifierRace',
  args: [fixed, v, p],
});
const strip = (v: object) => ({ ...v, ms: 0, steps: 0 });

describe('ProgramRef', () => {
  it('rebuilds a demo from a factory export with JSON arguments, or a plain export', async () => {
    expect((await resolveProgram(race(true, 2, 2))).name).toBe('notifier-race-3t-fixed');
    expect((await resolveProgram({ module: DEMOS, export: 'lostUpdate' })).name).toBe('lost-update');
  });

  it('names what is wrong in one line', async () => {
    const msg = async (ref: Parameters<typeof resolveProgram>[0]) =>
      resolveProgram(ref).then(
        () => 'resolved',
        (e: unknown) => (e instanceof MmulabError ? `${e.code}: ${e.message}` : String(e)),
      );
    expect(await msg({ module: DEMOS, export: 'nope' })).toBe(
      `MMULAB_BAD_PROGRAM: ${DEMOS} has no export 'nope'`,
    );
    expect(await msg({ module: DEMOS, export: 'demos' })).toBe(
      `MMULAB_BAD_PROGRAM: ${DEMOS}#demos is not a program (an object with a name and setup(rt))`,
    );
    expect(await msg({ module: '/nonexistent/x.js', export: 'p' })).toMatch(
      /^MMULAB_BAD_PROGRAM: cannot import \/nonexistent\/x\.js: /,
    );
  });
});

describe('exploreParallel on worker threads', () => {
  it('gives the verdict of one in-process shard, for 1 and 2 workers (dpor and random)', async () => {
    for (const [fixed, size, strategy] of [
      [false, 2, 'dpor'],
      [true, 1, 'dpor'],
      [false, 2, 'random'],
    ] as const) {
      const local = mergeShards([
        runShard(notifierRace(fixed, size, size), { strategy, seed: 3, shard: { index: 0, count: 1 } }),
      ]);
      for (const workers of [1, 2]) {
        const v = await exploreParallel(race(fixed, size, size), { strategy, seed: 3, workers });
        expect(strip(v)).toEqual(strip(local));
      }
      expect(local.kind).toBe(fixed ? 'verified' : 'violation');
    }
  }, 60_000);

  it('rejects a bad worker count and reports a bad ref as the MmulabError it is', async () => {
    await expect(exploreParallel(race(true, 1, 1), { strategy: 'dpor', workers: 0 })).rejects.toThrow(
      'workers must be a positive integer, got 0',
    );
    await expect(
      exploreParallel({ module: DEMOS, export: 'nope' }, { strategy: 'dpor', workers: 1 }),
    ).rejects.toMatchObject({ code: 'MMULAB_BAD_PROGRAM' });
  });
});
