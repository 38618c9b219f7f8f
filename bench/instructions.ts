/**
 * `npm run bench -- instructions`: machine instructions per scheduled step of the
 * random walk on 4t FIXED, counted by valgrind (cachegrind, no cache simulation), src/ under tsx:
 * unlike a timing, the count does not move with the load of a shared machine, so two builds
 * can be compared in one run each. Two run counts, and the difference divided by the
 * difference in steps: start-up and warm-up cancel out. Needs valgrind (apt-get install -y
 * valgrind); takes about a minute. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function count(runs: number): { instructions: number; steps: number } {
  const program = `(await import(${JSON.stringify(join(ROOT, 'src/scenarios/demos.ts'))})).notifierRace(true, 3, 3)`;
  const script = `
    const { explore } = await import(${JSON.stringify(join(ROOT, 'src/explore/explorer.ts'))});
    const { makeStrategy } = await import(${JSON.stringify(join(ROOT, 'src/explore/strategies/index.ts'))});
    const v = explore(${program}, { strategy: makeStrategy('random', { seed: 1 }), maxRuns: ${runs} });
    console.log('steps=' + v.steps);
  `;
  // --single-threaded: the collector and the compiler on the main thread, counted and in a
  // fixed order.
  const node = [
    process.execPath,
    '--single-threaded',
    '--import',
    join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'),
  ];
  const r = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      ...node,
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', cwd: ROOT },
  );
  if (r.error) throw new Error(`valgrind: ${r.error.message} (apt-get install -y valgrind)`);
  const ir = /I\s+refs:\s+([\d,]+)/.exec(r.stderr)?.[1];
  const steps = /steps=(\d+)/.exec(r.stdout)?.[1];
  if (!ir || !steps) throw new Error(`no count: ${r.stderr.slice(-500)}`);
  return { instructions: Number(ir.replaceAll(',', '')), steps: Number(steps) };
}

const a = count(2000);
const b = count(8000);
console.log(
  `instructions per scheduled step (random, 4t FIXED): ` +
    `${((b.instructions - a.instructions) / (b.steps - a.steps)).toFixed(0)} (over ${(b.steps - a.steps).toLocaleString('en-US')} steps)`,
);
