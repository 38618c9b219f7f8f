import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mmulab-flags-'));

describe('explore and replay: report files, budgets, limits', () => {
  it('--report/--trace/--text write the violation of explore, each with the replay command', async () => {
    const d = tmp();
    const r = await cli(
      'explore',
      'kvm-munmap',
      '--bug',
      'no-retry-check',
      '--strategy',
      'dpor',
      '--report',
      join(d, 'r.html'),
      '--trace',
      join(d, 'r.json'),
      '--text',
      join(d, 'r.txt'),
    );
    expect(r.code).toBe(1);
    const replay = /replay: (mmulab replay .*)\n/.exec(r.out)?.[1];
    expect(replay).toMatch(/^mmulab replay kvm-munmap --bug no-retry-check --token m1\./);
    expect(r.out).toContain(
      `wrote ${join(d, 'r.txt')}\nwrote ${join(d, 'r.json')}\nwrote ${join(d, 'r.html')}\n`,
    );
    expect(readFileSync(join(d, 'r.html'), 'utf8')).toContain(replay!);
    expect(readFileSync(join(d, 'r.txt'), 'utf8')).toContain(`# replay:  ${replay}`);
    const events = (
      JSON.parse(readFileSync(join(d, 'r.json'), 'utf8')) as { traceEvents: Array<{ ph: string }> }
    ).traceEvents;
    expect(events.filter((e) => e.ph === 'B').length).toBe(events.filter((e) => e.ph === 'E').length);
    expect(events.some((e) => e.ph === 'i')).toBe(true);
  });

  it('replay writes the same files for a token', async () => {
    const d = tmp();
    const r = await cli(
      'replay',
      'kvm-munmap',
      '--bug',
      'no-retry-check',
      '--token',
      'm1.AAQBAgAE',
      '--report',
      join(d, 'x.html'),
    );
    expect(r.code).toBe(1);
    expect(existsSync(join(d, 'x.html'))).toBe(true);
  });

  it('no violation: no files, and a note on stderr', async () => {
    const d = tmp();
    const r = await cli('explore', 'kvm-munmap', '--strategy', 'dpor', '--report', join(d, 'r.html'));
    expect(r.code).toBe(0);
    expect(existsSync(join(d, 'r.html'))).toBe(false);
    expect(r.err).toBe('mmulab: no violation, so no trace or report was written\n');
  });

  it('--max-steps is honoured, reported, and carried into the replay command', async () => {
    const r = await cli('explore', 'kvm-munmap', '--strategy', 'dpor', '--max-steps', '5', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { violation: { invariant: string; replay: string; token: string } };
    expect(j.violation.invariant).toBe('step-budget');
    expect(j.violation.replay).toBe(`mmulab replay kvm-munmap --max-steps 5 --token ${j.violation.token}`);
    const again = await cli('replay', 'kvm-munmap', '--max-steps', '5', '--token', j.violation.token);
    expect(again.code).toBe(1);
    expect(again.out).toContain('VIOLATION step-budget');
  });

  it('--time-limit cuts the search and the verdict says bounded by the time limit', async () => {
    const r = await cli(
      'explore',
      'kvm-reclaim-aging',
      '--strategy',
      'dfs',
      '--time-limit',
      '200ms',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'bounded', cut: 'time' });
  });

  it('bad values are one line and exit 2', async () => {
    for (const [args, msg] of [
      [
        ['explore', 'kvm-munmap', '--time-limit', '5x'],
        "--time-limit must be a positive duration such as 30s, 5m or 500ms, got '5x'",
      ],
      [['explore', 'kvm-munmap', '--max-steps', '0'], "--max-steps must be a positive integer, got '0'"],
      [
        ['explore', 'kvm-munmap', '--bug', 'no-retry-check', '--report', '/nonexistent/dir/x.html'],
        'cannot write /nonexistent/dir/x.html: ENOENT',
      ],
    ] as const) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
