import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { buildScenario } from '../../src/scenarios/catalogue.js';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'mmulab-keep-going-'));
const BUGS = ['--bug', 'no-retry-check', '--bug', 'put-page-before-flush'];
const program = () =>
  buildScenario('kvm-munmap', { design: 'classic', bugs: ['no-retry-check', 'put-page-before-flush'] });

describe('--keep-going / --max-violations: record each distinct violation and go on', () => {
  it('dpor: every distinct violation (kind and location), then the search finishes: exit 1', async () => {
    const r = await cli('explore', 'kvm-munmap', ...BUGS, '--strategy', 'dpor', '--keep-going');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[1]).toBe('4 distinct violations in 299 runs; the search then finished: every schedule ran');
    expect(lines.filter((l) => /^\d+\. /.test(l))).toEqual([
      '1. coherence, found in run 1',
      '2. stale-translation, found in run 16',
      '3. coherence, found in run 19',
      '4. stale-translation, found in run 20',
    ]);
    expect(lines.filter((l) => l.startsWith('  replay: mmulab replay kvm-munmap'))).toHaveLength(4);
  });

  it('each listed token replays to its violation', async () => {
    const v = JSON.parse(
      (await cli('explore', 'kvm-munmap', ...BUGS, '--strategy', 'dpor', '--keep-going', '--json')).out,
    ) as {
      violations: { invariant: string; token: string }[];
    };
    for (const f of v.violations) {
      const r = await cli('replay', 'kvm-munmap', ...BUGS, '--token', f.token);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`VIOLATION ${f.invariant} at step`);
    }
  });

  it('--max-violations 2 stops at the second; random and pct keep going to their run limit', async () => {
    const two = JSON.parse(
      (await cli('explore', 'kvm-munmap', ...BUGS, '--strategy', 'dpor', '--max-violations', '2', '--json'))
        .out,
    ) as { verdict: string; runs: number; end: string; violations: unknown[] };
    expect([two.verdict, two.runs, two.end, two.violations.length]).toEqual([
      'violation',
      16,
      'max-violations',
      2,
    ]);
    for (const strategy of ['random', 'pct']) {
      const v = JSON.parse(
        (
          await cli(
            'explore',
            'kvm-munmap',
            ...BUGS,
            '--strategy',
            strategy,
            '--runs',
            '300',
            '--keep-going',
            '--json',
          )
        ).out,
      ) as { verdict: string; runs: number; end: string; violations: { key: string }[] };
      expect([v.verdict, v.runs, v.end]).toEqual(['violation', 300, 'runs']);
      expect(v.violations.length).toBeGreaterThanOrEqual(2);
      expect(new Set(v.violations.map((f) => f.key)).size).toBe(v.violations.length);
    }
  });

  it('--out gets one violation line per distinct violation', async () => {
    const out = join(dir, 'kg.jsonl');
    const r = await cli(
      'explore',
      'kvm-munmap',
      ...BUGS,
      '--strategy',
      'dpor',
      '--keep-going',
      '--json',
      '--out',
      out,
    );
    const v = JSON.parse(r.out) as { violations: { run: number; invariant: string }[] };
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; runs?: number; invariant?: string });
    expect(lines.filter((l) => l.type === 'violation').map((l) => [l.runs, l.invariant])).toEqual(
      v.violations.map((f) => [f.run, f.invariant]),
    );
    expect(lines.at(-1)).toMatchObject({ type: 'verdict', verdict: 'violation', end: 'finished' });
  });

  it('the library: maxViolations 1 (the default) is the plain first-violation verdict', () => {
    const plain = explore(program(), { strategy: makeStrategy('dpor', {}) });
    const one = explore(program(), { strategy: makeStrategy('dpor', {}), maxViolations: 1 });
    const { ms: _a, ...a } = plain;
    const { ms: _b, ...b } = one;
    expect(b).toEqual(a);
    expect('violations' in plain).toBe(false);
  });

  it('bad input: --keep-going with --workers, --max-violations 0: one line, exit 2', async () => {
    const w = await cli('explore', 'kvm-munmap', '--workers', '2', '--keep-going');
    expect([w.code, w.err]).toEqual([
      2,
      'mmulab: --keep-going and --max-violations go on within one search: not with --workers or --shard\n',
    ]);
    const z = await cli('explore', 'kvm-munmap', '--max-violations', '0');
    expect(z.code).toBe(2);
    expect(z.err.split('\n')).toHaveLength(2);
  });
});
