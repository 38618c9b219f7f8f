import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runShard } from '../../src/explore/shard.js';
import { notifierRace } from '../../src/scenarios/demos.js';
import { cli } from './run.js';

function write(dir: string, name: string, value: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
}

describe('mmulab merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmulab-merge-'));
  const shardFiles = (fixed: boolean, n: number) =>
    Array.from({ length: n }, (_, index) =>
      write(
        dir,
        `${fixed}-${index}.json`,
        runShard(notifierRace(fixed), { strategy: 'dpor', shard: { index, count: n } }),
      ),
    );

  it('prints verified when every shard finished, exit 0', async () => {
    const r = await cli('merge', ...shardFiles(true, 3));
    expect(r).toEqual({
      code: 0,
      out: 'notifier-race-2t-fixed: verified: every schedule ran (8 runs) with no violation [dpor, 3 shards]\n',
      err: '',
    });
  });

  it('prints the violation and its token, exit 1; --json gives the verdict', async () => {
    const files = shardFiles(false, 2);
    const r = await cli('merge', ...files);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^notifier-race-2t-buggy: violation: coherence after \d+ runs?: spte\[0\] maps frame 1, which munmap freed \[dpor, 2 shards\]\nreplay token: m1\.\S+\n$/,
    );
    const j = await cli('merge', '--json', ...files);
    expect(JSON.parse(j.out)).toMatchObject({
      program: 'notifier-race-2t-buggy',
      shards: 2,
      verdict: { kind: 'violation' },
    });
  });

  it('bad input is one line and exit 2', async () => {
    const [a] = shardFiles(true, 2);
    expect(await cli('merge', a!)).toEqual({
      code: 2,
      out: '',
      err: 'mmulab: shard(s) 1/2 missing: a search is verified only when every shard is merged\n',
    });
    expect((await cli('merge', join(dir, 'absent.json'))).err).toBe(
      `mmulab: cannot read shard result ${join(dir, 'absent.json')}: ENOENT\n`,
    );
    expect((await cli('merge', write(dir, 'junk.json', '[1]'))).err).toBe(
      `mmulab: ${join(dir, 'junk.json')}: not an mmulab shard result (format mmulab-shard/1)\n`,
    );
  });
});
