/**
 * `npm run bench -- fingerprint [file]`: what the runtime decides, for comparing two builds
 * of it: for a few programs and strategies, the first few hundred runs' tokens, step counts
 * and violations, hashed per program and strategy. Writes the lines to `file` (or prints
 * them); a speed change to the runtime must leave them byte for byte the same.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { runOnce } from '../src/explore/explorer.js';
import { makeStrategy } from '../src/explore/strategies/index.js';
import { buildScenario, catalogue } from '../src/scenarios/catalogue.js';
import { demos, notifierRace } from '../src/scenarios/demos.js';
import type { Program } from '../src/sim/program.js';
import { encodeToken } from '../src/sim/token.js';

const programs: Program[] = [notifierRace(true, 3, 3), notifierRace(false, 3, 3), ...demos];
for (const s of catalogue) {
  programs.push(buildScenario(s.name));
  const bugs = Object.keys(s.bugs);
  if (bugs.length > 0) programs.push(buildScenario(s.name, { bugs: [bugs[0]!] }));
}

const lines: string[] = [];
for (const p of programs) {
  for (const [name, runs] of [
    ['random', 300],
    ['pct', 100],
    ['dfs', 100],
    ['dpor', 100],
  ] as const) {
    const strategy = makeStrategy(name, { seed: 7, depth: 3 });
    const h = createHash('sha256');
    let total = 0;
    for (let r = 0; r < runs; r++) {
      const sched = strategy.nextRun();
      if (!sched) break;
      const res = runOnce(p, { scheduler: sched, maxSteps: 20_000 });
      strategy.runDone(res);
      total += res.steps;
      h.update(`${res.steps} ${encodeToken(res.choices)} ${res.violation?.name ?? '-'} ${res.pruned}\n`);
    }
    lines.push(`${p.name} ${name} ${total} ${h.digest('hex').slice(0, 16)}`);
  }
}
const out = `${lines.join('\n')}\n`;
const file = process.argv[3];
if (file) writeFileSync(file, out);
else process.stdout.write(out);
