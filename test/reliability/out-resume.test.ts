import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'mmulab-out-'));
const noMs = (text: string) => {
  const { ms: _, ...rest } = JSON.parse(text) as { ms: number };
  return rest;
};
const records = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('mmulab explore --out / --resume', () => {
  it('a dfs search cut by --runs resumes to the verdict of one uninterrupted search', async () => {
    const f = join(dir, 'dfs.jsonl');
    const cut = await cli('explore', 'kvm-munmap', '--runs', '1200', '--out', f, '--json');
    expect(JSON.parse(cut.out)).toMatchObject({ verdict: 'bounded', cut: 'runs', runs: 1200 });
    expect(records(f).map((r) => [r.type, r.runs])).toEqual([
      ['header', undefined],
      ['checkpoint', 1000],
      ['checkpoint', 1200],
      ['verdict', 1200],
    ]);
    const resumed = await cli('explore', 'kvm-munmap', '--resume', f, '--json');
    const whole = await cli('explore', 'kvm-munmap', '--json');
    expect(noMs(resumed.out)).toEqual(noMs(whole.out));
    expect(noMs(whole.out)).toMatchObject({ verdict: 'verified', runs: 3073 });
    expect(records(f).at(-1)).toMatchObject({ type: 'verdict', verdict: 'verified', runs: 3073 });
  });

  it('a violation is recorded as found, then as the verdict (shrunk)', async () => {
    const f = join(dir, 'bug.jsonl');
    const r = await cli(
      'explore',
      'kvm-munmap',
      '--bug',
      'no-retry-check',
      '--strategy',
      'dpor',
      '--out',
      f,
      '--json',
    );
    expect(r.code).toBe(1);
    const rs = records(f);
    expect(rs.map((x) => x.type)).toEqual(['header', 'violation', 'verdict']);
    expect(rs[1]).toMatchObject({ invariant: 'stale-translation', token: expect.stringMatching(/^m1\./) });
    expect(rs[2]).toMatchObject({
      verdict: 'violation',
      violation: { token: JSON.parse(r.out).violation.token },
    });
    const again = await cli(
      'explore',
      'kvm-munmap',
      '--bug',
      'no-retry-check',
      '--strategy',
      'dpor',
      '--resume',
      f,
    );
    expect(again).toEqual({
      code: 2,
      out: '',
      err: `mmulab: cannot resume from ${f}: its search already ended (violation): nothing to resume\n`,
    });
  });

  it('refuses a file of another search, a file that is not one, and a missing one: one line, exit 2', async () => {
    const f = join(dir, 'seed.jsonl');
    await cli('explore', 'kvm-munmap', '--strategy', 'random', '--seed', '4', '--runs', '10', '--out', f);
    const err = async (...args: string[]) => {
      const r = await cli('explore', 'kvm-munmap', ...args);
      return [r.code, r.err];
    };
    expect(await err('--strategy', 'random', '--seed', '5', '--resume', f)).toEqual([
      2,
      `mmulab: cannot resume from ${f}: it records a search with seed 4, this one has 5\n`,
    ]);
    expect(await err('--strategy', 'pct', '--seed', '4', '--resume', f)).toEqual([
      2,
      `mmulab: cannot resume from ${f}: it records a search with strategy "random", this one has "pct"\n`,
    ]);
    expect(
      await err('--strategy', 'random', '--seed', '4', '--bug', 'no-retry-check', '--resume', f),
    ).toEqual([
      2,
      `mmulab: cannot resume from ${f}: it records a search with bugs [], this one has ["no-retry-check"]\n`,
    ]);
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, '{"a":1}\n');
    expect(await err('--resume', junk)).toEqual([
      2,
      `mmulab: cannot resume from ${junk}: it is not an mmulab --out file\n`,
    ]);
    expect(await err('--resume', join(dir, 'none.jsonl'))).toEqual([
      2,
      `mmulab: cannot resume from ${join(dir, 'none.jsonl')}: no such file\n`,
    ]);
    expect(await err('--resume', f, '--out', junk)).toEqual([
      2,
      'mmulab: --resume appends to the file it resumes: give --out the same file, or no --out\n',
    ]);
  });

  it('a file cut short by a kill mid-line resumes from its last whole checkpoint', async () => {
    const f = join(dir, 'cut.jsonl');
    await cli('explore', 'kvm-munmap', '--runs', '1200', '--out', f);
    const lines = readFileSync(f, 'utf8').split('\n');
    // Keep the header and the first checkpoint, then half a line.
    writeFileSync(f, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 20)}`);
    const resumed = await cli('explore', 'kvm-munmap', '--resume', f, '--json');
    expect(noMs(resumed.out)).toMatchObject({ verdict: 'verified', runs: 3073 });
  });
});

describe('determinism: the same search prints the same bytes', () => {
  it('explore --json twice, for every strategy (ms aside)', async () => {
    for (const args of [
      ['kvm-munmap', '--bug', 'no-retry-check', '--strategy', 'random', '--seed', '9'],
      ['kvm-munmap', '--bug', 'no-retry-check', '--strategy', 'pct', '--seed', '9'],
      ['kvm-munmap', '--bug', 'no-retry-check', '--strategy', 'dpor'],
      ['kvm-munmap', '--bug', 'no-retry-check'],
      ['gru-dontneed', '--strategy', 'random', '--seed', '2', '--runs', '300'],
    ]) {
      const a = await cli('explore', ...args, '--json');
      const b = await cli('explore', ...args, '--json');
      expect(a.code).toBe(b.code);
      expect(a.out.replace(/"ms":\d+/, '')).toBe(b.out.replace(/"ms":\d+/, ''));
    }
  });
});
