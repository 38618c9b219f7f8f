import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mmulab-split-'));

interface VerdictLine {
  readonly strategy: string;
  readonly verdict: string;
  readonly runs: number;
  readonly cut: string | null;
  readonly violation: { readonly invariant: string; readonly token: string; readonly replay: string } | null;
}

async function verdict(...args: string[]): Promise<{ code: number; v: VerdictLine }> {
  const r = await cli('explore', ...args, '--json');
  expect(r.err).toBe('');
  return { code: r.code, v: JSON.parse(r.out) as VerdictLine };
}

describe('mmulab explore --workers N', () => {
  it('gives the same verdict, runs and token for 1 and 2 workers (dpor by default, and random)', async () => {
    const cases = [
      [['kvm-munmap', '--bug', 'no-retry-check'], 1, 'violation'],
      [['kvm-munmap'], 0, 'verified'],
      [['kvm-munmap', '--bug', 'no-retry-check', '--strategy', 'random', '--seed', '5'], 1, 'violation'],
    ] as const;
    for (const [args, code, kind] of cases) {
      const one = await verdict(...args, '--workers', '1');
      const two = await verdict(...args, '--workers', '2');
      expect(one.code).toBe(code);
      expect(two.code).toBe(code);
      expect(one.v.verdict).toBe(kind);
      const key = (v: VerdictLine) => ({
        strategy: v.strategy,
        verdict: v.verdict,
        runs: v.runs,
        violation: v.violation,
      });
      expect(key(two.v)).toEqual(key(one.v));
    }
  }, 60_000);

  it('rebuilds a --driver workload in each worker', async () => {
    const args = ['munmap', '--driver', 'examples/toy-tlb.ts'];
    const [one, two] = [await verdict(...args, '--workers', '1'), await verdict(...args, '--workers', '2')];
    expect([one.code, one.v.verdict, one.v.runs]).toEqual([0, 'verified', 2221]);
    expect([two.code, two.v.verdict, two.v.runs]).toEqual([0, 'verified', 2221]);
  }, 60_000);

  it('finds the token the replay command reproduces', async () => {
    const { v } = await verdict('kvm-munmap', '--bug', 'no-retry-check', '--workers', '2');
    expect(v.violation?.invariant).toBe('stale-translation');
    const replay = await cli(...v.violation!.replay.split(' ').slice(1));
    expect(replay.code).toBe(1);
    expect(replay.out).toContain('stale-translation');
  }, 30_000);
});

describe('mmulab explore --shard i/n and mmulab merge', () => {
  it('two shards merged give the verdict of the whole search, for a violation and a proof', async () => {
    const d = tmp();
    for (const [args, code, lines] of [
      [
        ['kvm-munmap', '--bug', 'no-retry-check'],
        1,
        [
          // The buggy search ends within the split's probe: one small unit, dealt to the last shard.
          'kvm-munmap[classic no-retry-check]: shard 0/2 complete after 0 run(s) [dpor]',
          'kvm-munmap[classic no-retry-check]: shard 1/2 violation after 16 run(s) [dpor]',
        ],
      ],
      [
        ['kvm-munmap'],
        0,
        [
          'kvm-munmap[classic]: shard 0/2 complete after 226 run(s) [dpor]',
          'kvm-munmap[classic]: shard 1/2 complete after 225 run(s) [dpor]',
        ],
      ],
    ] as const) {
      const whole = await verdict(...args, '--shard', '0/1');
      const files = [0, 1].map((i) => join(d, `${args.length}-shard-${i}.json`));
      const shards = await Promise.all(
        files.map((f, i) => cli('explore', ...args, '--shard', `${i}/2`, '--out', f)),
      );
      for (const [i, s] of shards.entries()) {
        expect(s.err).toBe('');
        expect(s.out).toBe(`${lines[i]}; wrote ${files[i]}\n`);
        expect(JSON.parse(readFileSync(files[i]!, 'utf8')).format).toBe('mmulab-shard/1');
      }
      const merged = await cli('merge', '--json', ...files);
      expect(merged.code).toBe(code);
      const single = await cli('explore', ...args, '--workers', '1', '--json');
      const s = JSON.parse(single.out) as VerdictLine;
      const m = JSON.parse(merged.out) as {
        shards: number;
        verdict: { kind: string; runs: number; token?: string };
      };
      expect(m.shards).toBe(2);
      expect({ kind: m.verdict.kind, runs: m.verdict.runs, token: m.verdict.token ?? null }).toEqual({
        kind: s.verdict,
        runs: s.runs,
        token: s.violation?.token ?? null,
      });
      // --shard 0/1 with --json prints the one shard's result, which merges alone to the same.
      expect(whole.code).toBe(code);
    }
  }, 60_000);

  it('--shard --json prints the partial result on stdout', async () => {
    const r = await cli('explore', 'kvm-munmap', '--shard', '1/2', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { format: string; shard: object; strategy: string; status: string };
    expect({ format: s.format, shard: s.shard, strategy: s.strategy, status: s.status }).toEqual({
      format: 'mmulab-shard/1',
      shard: { index: 1, count: 2 },
      strategy: 'dpor',
      status: 'complete',
    });
  });
});

describe('bad split options: one line, exit 2', () => {
  it.each([
    [
      ['--shard', '3/2', '--out', 'x.json'],
      "mmulab: --shard must be i/n with 0 <= i < n (shard 0/4 is the first of four), got '3/2'\n",
    ],
    [
      ['--shard', '1', '--out', 'x.json'],
      "mmulab: --shard must be i/n with 0 <= i < n (shard 0/4 is the first of four), got '1'\n",
    ],
    [
      ['--workers', '0'],
      "error: option '--workers [n]' argument '0' is invalid. --workers must be a positive integer, got '0'\n",
    ],
    [
      ['--workers', '1.5'],
      "error: option '--workers [n]' argument '1.5' is invalid. --workers must be a positive integer, got '1.5'\n",
    ],
    [
      ['--shard', '0/2'],
      'mmulab: --shard writes a partial result for mmulab merge: give --out FILE (or --json for stdout)\n',
    ],
    [
      ['--shard', '0/2', '--workers', '2', '--json'],
      'mmulab: --shard runs one shard in this process: give --workers or --shard, not both\n',
    ],
    [
      ['--workers', '2', '--strategy', 'dfs'],
      'mmulab: dfs does not split; use --strategy dpor (the default with --workers and --shard), random or pct\n',
    ],
    [['--shard', '0/2', '--resume', 'x.jsonl'], 'mmulab: --resume continues a search: not with --shard\n'],
    [
      ['--workers', '2', '--resume', 'missing.jsonl'],
      'mmulab: cannot resume from missing.jsonl: no such file\n',
    ],
    [
      ['--workers', '2', '--resume', 'missing.jsonl', '--out', 'other.jsonl'],
      'mmulab: --resume appends to the file it resumes: give --out the same file, or no --out\n',
    ],
  ])('explore kvm-munmap %j', async (args, err) => {
    expect(await cli('explore', 'kvm-munmap', ...args)).toEqual({ code: 2, out: '', err });
  });
});
