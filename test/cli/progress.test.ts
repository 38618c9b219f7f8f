import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatProgress, type ProgressStream, SearchProgress } from '../../src/cli/progress.js';
import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { notifierRace } from '../../src/scenarios/demos.js';
import type { RunResult } from '../../src/sim/runtime.js';

/** A fake terminal: collects what the bar writes. */
function terminal(isTTY = true): { stream: ProgressStream; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  Object.assign(w, {
    isTTY,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  return { stream: w as unknown as ProgressStream, text: () => chunks.join('') };
}

const ok = { violation: null } as RunResult;
const bad = { violation: { name: 'coherence', message: 'm', step: 1, thread: null } } as RunResult;

describe('SearchProgress', () => {
  it('stays silent for the first second, then shows runs, rate, elapsed and violations', () => {
    let now = 0;
    const term = terminal();
    const p = new SearchProgress({ isTty: true, stream: term.stream, now: () => now });
    for (let r = 1; r <= 50; r++) {
      now = r * 10;
      p.onRun(r, r === 7 ? bad : ok);
    }
    expect(term.text()).toBe('');
    for (let r = 51; r <= 120; r++) {
      now = r * 10;
      p.onRun(r, ok);
    }
    now = 1500;
    p.stop();
    expect(term.text()).toContain('runs 120 | 80 schedules/s | 1.5 s | violations 1');
    expect(p.figures()).toEqual({ runs: 120, violations: 1, elapsedMs: 1500, rate: 80 });
  });

  it('never draws under --json, on a piped stdout, or into a non-terminal stream', () => {
    for (const [opts, tty] of [
      [{ isTty: true, json: true }, true],
      [{ isTty: false }, true],
      [{ isTty: true }, false],
    ] as const) {
      let now = 0;
      const term = terminal(tty);
      const p = new SearchProgress({ ...opts, stream: term.stream, now: () => now });
      for (let r = 1; r <= 100; r++) {
        now = r * 100;
        p.onRun(r, ok);
      }
      p.stop();
      expect(p.active).toBe(false);
      expect(term.text()).toBe('');
      expect(p.figures().runs).toBe(100);
    }
  });

  it('wraps explore’s onRun and counts its runs', () => {
    let now = 0;
    const term = terminal();
    const p = new SearchProgress({ isTty: true, stream: term.stream, now: () => (now += 100) });
    const v = explore(notifierRace(true), { strategy: new DfsStrategy(), onRun: p.onRun });
    p.stop();
    expect(v.kind).toBe('verified');
    expect(p.figures().runs).toBe(v.runs);
    expect(term.text()).toContain(`runs ${v.runs.toLocaleString('en-US')} |`);
  });

  it('formats large figures with separators and minutes', () => {
    expect(formatProgress({ runs: 1234567, violations: 2, elapsedMs: 125_000, rate: 9876.4 })).toBe(
      'runs 1,234,567 | 9,876 schedules/s | 2 min 05 s | violations 2',
    );
  });
});
