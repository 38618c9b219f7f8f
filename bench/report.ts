/**
 * Report timings: record a run and render it in each format. `npx tsx bench/report.ts`.
 * The 5,000-step run is test/report's synthetic long run (3 threads, 417 rounds each).
 */
import { explore } from '../src/explore/explorer.js';
import { DfsStrategy } from '../src/explore/strategies/dfs.js';
import { recordRun, renderChromeTrace, renderHtml, renderText } from '../src/report/index.js';
import { notifierRace } from '../src/scenarios/demos.js';
import type { Program } from '../src/sim/index.js';
import { longRun } from '../test/report/fixtures.js';

function time<T>(f: () => T, reps: number): { ms: number; value: T } {
  let value = f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) value = f();
  return { ms: (performance.now() - t0) / reps, value };
}

for (const p of [notifierRace(false, 2, 2), longRun(3, 417)] as Program[]) {
  const v = explore(p, { strategy: new DfsStrategy(), maxRuns: 10_000 });
  if (v.kind !== 'violation') throw new Error(`${p.name}: no violation`);
  const rec = time(() => recordRun(p, v.token), 5);
  const t = rec.value;
  const row = [`${p.name}: ${t.steps} steps`, `record ${rec.ms.toFixed(1)} ms`];
  for (const [name, f] of [
    ['text', () => renderText(t)],
    ['json', () => renderChromeTrace(t)],
    ['html', () => renderHtml(t)],
  ] as const) {
    const r = time(f, 5);
    row.push(`${name} ${r.ms.toFixed(1)} ms ${(r.value.length / 1024).toFixed(0)} KiB`);
  }
  console.log(row.join(' | '));
}
