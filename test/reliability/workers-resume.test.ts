import { describe, expect, it } from 'vitest';
import { mergeShards } from '../../src/explore/merge.js';
import { runShard, type ShardResult } from '../../src/explore/shard.js';
import { buildScenario } from '../../src/scenarios/catalogue.js';

const program = buildScenario('claim-parallel-starts', { design: 'classic', bugs: [] });
const noMs = ({ ms: _, ...rest }: { ms: number }) => rest;

/** Shard i of n, interrupted (as SIGINT does under --workers) after `after` checks. */
function interrupted(
  strategy: string,
  index: number,
  n: number,
  after: number,
  maxRuns?: number,
): ShardResult {
  let calls = 0;
  return runShard(program, {
    strategy,
    seed: 5,
    shard: { index, count: n },
    ...(maxRuns === undefined ? {} : { maxRuns }),
    stopAbove: () => (++calls > after ? -1 : 0x7fffffff),
  });
}

describe('--workers --out / --resume: interrupted shards continue to the uninterrupted verdict', () => {
  for (const [strategy, maxRuns] of [
    ['dpor', undefined],
    ['random', 600],
    ['pct', 600],
  ] as const) {
    for (const after of [0, 1, 37, 200]) {
      it(`${strategy}, interrupted after ${after} checks, 2 shards`, () => {
        const whole = mergeShards(
          [0, 1].map((i) =>
            runShard(program, {
              strategy,
              seed: 5,
              shard: { index: i, count: 2 },
              ...(maxRuns ? { maxRuns } : {}),
            }),
          ),
        );
        const parts = [0, 1].map((i) => interrupted(strategy, i, 2, after, maxRuns));
        const partial = mergeShards(parts);
        expect(partial.kind === 'bounded' ? partial.cut : partial.kind).toBe(
          parts.every((p) => p.status !== 'cut')
            ? strategy === 'dpor'
              ? 'verified'
              : 'runs'
            : 'interrupted',
        );
        const resumed = mergeShards(
          [0, 1].map((i) =>
            runShard(program, {
              strategy,
              seed: 5,
              shard: { index: i, count: 2 },
              ...(maxRuns ? { maxRuns } : {}),
              resume: parts[i]!,
            }),
          ),
        );
        expect(noMs(resumed)).toEqual(noMs(whole));
      });
    }
  }
});
