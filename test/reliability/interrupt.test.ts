import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/mmulab.js');
const dir = mkdtempSync(join(tmpdir(), 'mmulab-interrupt-'));

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

function collect(p: ChildProcess): Promise<Exit> {
  let out = '';
  let err = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, out, err })));
}

function mmulab(...args: string[]): Promise<Exit> {
  return collect(spawn(process.execPath, [BIN, ...args], { cwd: ROOT }));
}

/** Waits (polling, no fixed sleep) until the --out file holds a checkpoint line. */
async function untilCheckpoint(file: string): Promise<void> {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes('"type":"checkpoint"')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const noMs = (text: string) => {
  const { ms: _, ...rest } = JSON.parse(text) as { ms: number };
  return rest;
};

// The built CLI (dist/), as users run it: built once here.
beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

describe('SIGINT during mmulab explore', () => {
  const search = ['explore', 'kvm-munmap', '--strategy', 'random', '--seed', '3'];

  it('prints the partial verdict (bounded, interrupted) and exits 0; --resume reaches the uninterrupted verdict', async () => {
    const out = join(dir, 'search.jsonl');
    const child = spawn(process.execPath, [BIN, ...search, '--runs', '100000000', '--json', '--out', out], {
      cwd: ROOT,
    });
    const done = collect(child);
    await untilCheckpoint(out);
    child.kill('SIGINT');
    const r = await done;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const partial = JSON.parse(r.out) as { verdict: string; cut: string; runs: number };
    expect([partial.verdict, partial.cut]).toEqual(['bounded', 'interrupted']);
    expect(partial.runs).toBeGreaterThanOrEqual(1000);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; runs?: number });
    expect(lines[0]!.type).toBe('header');
    expect(lines.slice(-2).map((l) => [l.type, l.runs])).toEqual([
      ['checkpoint', partial.runs],
      ['verdict', partial.runs],
    ]);

    // Continue to a run limit past the interrupt; compare with one uninterrupted search.
    const runs = String(partial.runs + 1500);
    const resumed = await mmulab(...search, '--runs', runs, '--json', '--resume', out);
    const whole = await mmulab(...search, '--runs', runs, '--json');
    expect([resumed.code, whole.code]).toEqual([0, 0]);
    expect(noMs(resumed.out)).toEqual(noMs(whole.out));
    expect(noMs(whole.out)).toMatchObject({ verdict: 'bounded', cut: 'runs', runs: partial.runs + 1500 });
  }, 60_000);

  it('prints the text verdict too: cut by an interrupt, not a proof', async () => {
    const child = spawn(
      process.execPath,
      [BIN, ...search, '--runs', '100000000', '--out', join(dir, 't.jsonl')],
      {
        cwd: ROOT,
      },
    );
    const done = collect(child);
    await untilCheckpoint(join(dir, 't.jsonl'));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^kvm-munmap \(design classic, bugs: none\) with random\nbounded: no violation in [\d,]+ runs \(cut by an interrupt; not a proof\)\n\([\d,]+ runs, [\d,]+ steps, \d+ ms\)\n$/,
    );
  }, 60_000);
});

/** Waits (polling) until the --out file holds its header: the SIGINT handler is in place. */
async function untilHeader(file: string): Promise<void> {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes('"type":"header"')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGINT during mmulab explore --workers', () => {
  const search = ['explore', 'kvm-munmap', '--strategy', 'random', '--seed', '3', '--workers', '2'];

  it('stops every worker, prints the merged partial verdict, exits 0; --resume reaches the uninterrupted verdict', async () => {
    const out = join(dir, 'workers.jsonl');
    const child = spawn(process.execPath, [BIN, ...search, '--runs', '100000000', '--json', '--out', out], {
      cwd: ROOT,
    });
    const done = collect(child);
    await untilHeader(out);
    child.kill('SIGINT');
    const r = await done;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const partial = JSON.parse(r.out) as { verdict: string; cut: string; runs: number };
    expect([partial.verdict, partial.cut]).toEqual(['bounded', 'interrupted']);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; runs?: number; workers?: number; results?: unknown[] });
    expect(lines.map((l) => l.type)).toEqual(['header', 'shards', 'verdict']);
    expect(lines[0]!.workers).toBe(2);
    expect([lines[1]!.runs, lines[1]!.results!.length, lines[2]!.runs]).toEqual([
      partial.runs,
      2,
      partial.runs,
    ]);

    const runs = String(partial.runs + 1500);
    const resumed = await mmulab(...search, '--runs', runs, '--json', '--resume', out);
    const whole = await mmulab(...search, '--runs', runs, '--json');
    expect([resumed.code, whole.code]).toEqual([0, 0]);
    expect(noMs(resumed.out)).toEqual(noMs(whole.out));
    expect(noMs(whole.out)).toMatchObject({ verdict: 'bounded', cut: 'runs', runs: partial.runs + 1500 });
    const other = await mmulab(...search.slice(0, -1), '3', '--runs', runs, '--resume', out);
    expect([other.code, other.err]).toEqual([
      2,
      `mmulab: cannot resume from ${out}: it records a search on 2 worker(s), this one has 3; give --workers 2\n`,
    ]);
  }, 60_000);

  it('dpor, text: cut by an interrupt, not a proof', async () => {
    const out = join(dir, 'dpor-workers.jsonl');
    const child = spawn(
      process.execPath,
      [BIN, 'explore', 'gru-register', '--strategy', 'dpor', '--workers', '2', '--out', out],
      { cwd: ROOT },
    );
    const done = collect(child);
    await untilHeader(out);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^gru-register \(design classic, bugs: none\) with dpor\nbounded: no violation in [\d,]+ runs? \(cut by an interrupt; not a proof\)\n\([\d,]+ runs, [\d,]+ steps, \d+ ms\)\n$/,
    );
  }, 60_000);
});

describe('SIGINT during a watched search (--driver, --step-timeout: the search runs on a worker thread)', () => {
  const search = ['explore', 'kvm-munmap', '--strategy', 'random', '--seed', '3'];

  it('stops the worker after its run, prints the partial verdict, checkpoints; --resume continues it', async () => {
    const out = join(dir, 'watched.jsonl');
    const child = spawn(
      process.execPath,
      [BIN, ...search, '--step-timeout', '2000', '--runs', '100000000', '--json', '--out', out],
      { cwd: ROOT },
    );
    const done = collect(child);
    await untilCheckpoint(out);
    child.kill('SIGINT');
    const r = await done;
    expect([r.code, r.err]).toEqual([0, '']);
    const partial = JSON.parse(r.out) as { verdict: string; cut: string; runs: number };
    expect([partial.verdict, partial.cut]).toEqual(['bounded', 'interrupted']);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; runs?: number });
    expect(lines.slice(-2).map((l) => [l.type, l.runs])).toEqual([
      ['checkpoint', partial.runs],
      ['verdict', partial.runs],
    ]);
    const runs = String(partial.runs + 1500);
    const resumed = await mmulab(
      ...search,
      '--step-timeout',
      '2000',
      '--runs',
      runs,
      '--json',
      '--resume',
      out,
    );
    const whole = await mmulab(...search, '--runs', runs, '--json');
    expect(noMs(resumed.out)).toEqual(noMs(whole.out));
  }, 60_000);
});
