/**
 * `npm run bench -- explorer [--full] [--no-fast-check] [--quick-fast-check]`: mmulab's strategies side by side with
 * SPIN and fast-check on the race of shared/baselines, end to end (process start to verdict),
 * plus the deep-bug find rates of random walk and PCT. Timings only; not a test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deepBug } from '../src/explore/deep-bug.js';
import { explore } from '../src/explore/explorer.js';
import { planUnits, runShard } from '../src/explore/shard.js';
import { DfsStrategy } from '../src/explore/strategies/dfs.js';
import { DporStrategy } from '../src/explore/strategies/dpor.js';
import { makeStrategy } from '../src/explore/strategies/index.js';
import { countTraces } from '../src/explore/traces.js';
import { notifierRace } from '../src/scenarios/demos.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BASELINES = resolve(ROOT, '../shared/baselines');
const full = process.argv.includes('--full');
const withFastCheck = !process.argv.includes('--no-fast-check');
const LIMIT_MS = full ? 3_600_000 : 120_000;

const CONFIGS = [
  { name: '2t', vcpus: 1, pages: 1 },
  { name: '3t', vcpus: 2, pages: 2 },
  { name: '4t', vcpus: 3, pages: 3 },
] as const;

interface Child {
  kind: string;
  runs: number;
  steps: number;
  ms: number;
  /** dpor's state cache (notifierRace declares its state closed). */
  cache: { states: number; hits: number; partialHits: number } | null;
}

/** One search in a fresh node process over dist/: process start to verdict. */
function endToEnd(strategy: string, fixed: boolean, vcpus: number, pages: number): Child & { wall: number } {
  const script = `
    import { explore, makeStrategy } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
    import { notifierRace } from ${JSON.stringify(join(ROOT, 'dist/scenarios/demos.js'))};
    const strategy = makeStrategy(${JSON.stringify(strategy)}, { seed: 1, depth: 3 });
    const v = explore(notifierRace(${fixed}, ${vcpus}, ${pages}), {
      strategy, maxRuns: 100000000, timeLimitMs: ${LIMIT_MS},
    });
    const cache = typeof strategy.cacheStats === 'function' ? strategy.cacheStats() : null;
    process.stdout.write(JSON.stringify({ kind: v.kind === 'bounded' ? 'bounded:' + v.cut : v.kind, runs: v.runs, steps: v.steps, ms: v.ms, cache }));
  `;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Child), wall };
}

function spinRun(fixed: boolean, vcpus: number, pages: number): { wall: number; result: string } | null {
  if (!hasSpin()) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mmulab-spin-'));
  try {
    cpSync(join(BASELINES, 'spin/notifier_race.pml'), join(dir, 'm.pml'));
    const defs = [...(fixed ? ['-DFIXED'] : []), `-DNVCPU=${vcpus}`, `-DNPAGES=${pages}`];
    const t0 = performance.now();
    execFileSync('spin', [...defs, '-a', 'm.pml'], { cwd: dir, stdio: 'pipe' });
    execFileSync('gcc', ['-O2', '-DSAFETY', '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'pipe' });
    const pan = spawnSync('./pan', [], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = performance.now() - t0;
    const errors = /errors: (\d+)/.exec(pan.stdout)?.[1] ?? '?';
    const states = /(\d+) states, stored/.exec(pan.stdout)?.[1] ?? '?';
    return {
      wall,
      result: `${errors === '0' ? 'verified' : 'violation'} (${Number(states).toLocaleString('en-US')} states)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let spinChecked: boolean | null = null;
function hasSpin(): boolean {
  if (spinChecked !== null) return spinChecked;
  const probe = () => spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0;
  spinChecked = probe();
  if (!spinChecked) {
    console.log('spin is missing: apt-get install -y spin');
    spawnSync('apt-get', ['install', '-y', 'spin'], { stdio: 'ignore' });
    spinChecked = probe();
  }
  return spinChecked;
}

/** fast-check's scheduler model, from a scratch copy of shared/baselines/fast-check. */
function fastCheckBench(): string | null {
  const src = join(BASELINES, 'fast-check');
  if (!existsSync(src)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mmulab-fc-'));
  try {
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'src'])
      cpSync(join(src, f), join(dir, f), { recursive: true });
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
    if (ci.status !== 0) return `npm ci failed: ${ci.stderr.split('\n').slice(-3).join(' ')}`;
    // The full bench (about a minute), not --quick: fast-check's 200-run samples of 4t-fixed
    // measure about 340 k steps/s, its 5,000-run ones about 137 k, the figure of
    // shared/baselines and of issue 7's 30x target.
    const args = ['tsx', 'src/bench.ts', ...(process.argv.includes('--quick-fast-check') ? ['--quick'] : [])];
    const r = spawnSync('npx', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) return `fast-check bench failed: ${r.stderr.split('\n').slice(-3).join(' ')}`;
    // The table only: its last line is the raw JSON of every sample.
    return r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('{'))
      .join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

async function main(): Promise<void> {
  console.log('building dist/ (tsc -p tsconfig.build.json) ...');
  execFileSync(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(ROOT, 'tsconfig.build.json'),
  ]);
  const rows: string[][] = [];
  const cacheLines: string[] = [];
  for (const c of CONFIGS) {
    for (const fixed of [false, true]) {
      const label = `${c.name} ${fixed ? 'FIXED' : 'BUGGY'}`;
      const spin = spinRun(fixed, c.vcpus, c.pages);
      const strategies = fixed ? ['dpor'] : ['random', 'pct', 'dpor'];
      for (const s of strategies) {
        const r = endToEnd(s, fixed, c.vcpus, c.pages);
        rows.push([
          label,
          s,
          r.kind,
          r.runs.toLocaleString('en-US'),
          fmtMs(r.ms),
          fmtMs(r.wall),
          spin ? `${spin.result}, ${fmtMs(spin.wall)}` : 'spin unavailable',
          spin ? `${(r.wall / spin.wall).toFixed(2)}x` : '-',
        ]);
        console.log(rows[rows.length - 1]!.join(' | '));
        if (fixed && r.cache) {
          cacheLines.push(
            `${label} dpor state cache: ${r.cache.states.toLocaleString('en-US')} states, ` +
              `${r.cache.hits.toLocaleString('en-US')} runs cut at an explored state, ` +
              `${r.cache.partialHits.toLocaleString('en-US')} partial hits, ${r.steps.toLocaleString('en-US')} steps`,
          );
        }
      }
    }
  }
  console.log(
    '\n| model | strategy | verdict | runs | search | end to end | SPIN (spin -a + gcc + pan) | mmulab/SPIN |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
  for (const l of cacheLines) console.log(l);

  // fast-check's own steps/s on 4t FIXED, measured now when the baseline runs, for the ratio.
  let fcSteps = 137_000;
  let fcWhere = "fast-check's ~137 k/s of baselines/README.md";
  let fcTable: string | null = null;
  if (withFastCheck) {
    fcTable = fastCheckBench();
    const m = fcTable ? /\| 4t-fixed \|(?:[^|]*\|){5}\s*(\d+)\s*\|/.exec(fcTable) : null;
    if (m) {
      fcSteps = Number(m[1]);
      fcWhere = `fast-check's ${fcSteps.toLocaleString('en-US')} steps/s on 4t-fixed, measured in this run`;
    }
  }

  // Throughput: random walk on 4t FIXED, in process, after a warm-up.
  const prog = notifierRace(true, 3, 3);
  explore(prog, { strategy: makeStrategy('random', { seed: 9 }), maxRuns: 2000 });
  const v = explore(prog, { strategy: makeStrategy('random', { seed: 1 }), maxRuns: 1e9, timeLimitMs: 3000 });
  const stepsPerS = (v.steps / v.ms) * 1000;
  console.log(
    `\nscheduled steps/s (random, 4t FIXED, 3 s): ${Math.round(stepsPerS).toLocaleString('en-US')} ` +
      `(${(stepsPerS / fcSteps).toFixed(1)}x ${fcWhere})`,
  );

  // The same walk split over every core (`explore --workers` with no count): seeds are dealt to the
  // workers, each a worker thread over dist/; steps/s counts from the call to the verdict.
  const { exploreParallel } = (await import(join(ROOT, 'dist/index.js'))) as typeof import('../src/index.js');
  const cores = availableParallelism();
  const t0 = performance.now();
  const par = await exploreParallel(
    { module: join(ROOT, 'dist/scenarios/demos.js'), export: 'notifierRace', args: [true, 3, 3] },
    { strategy: 'random', workers: cores, maxRuns: 1e9, timeLimitMs: 3000 },
  );
  const parPerS = (par.steps / (performance.now() - t0)) * 1000;
  console.log(
    `scheduled steps/s (random, 4t FIXED, 3 s, --workers ${cores}, worker start-up included): ` +
      `${Math.round(parPerS).toLocaleString('en-US')} (${(parPerS / fcSteps).toFixed(1)}x ${fcWhere})`,
  );

  // DPOR runs against Mazurkiewicz traces (dfs runs deduplicated), where dfs finishes.
  for (const fixed of [true, false]) {
    const p = notifierRace(fixed);
    const dfs = countTraces(p, new DfsStrategy(), 1_000_000);
    const dpor = countTraces(notifierRace(fixed), new DporStrategy(), 1_000_000);
    console.log(
      `2t ${fixed ? 'FIXED' : 'BUGGY'} (all runs, not stopping at violations): dfs ${dfs.runs} runs = ${dfs.traces} traces; ` +
        `dpor ${dpor.runs} runs (${(dpor.runs / dfs.traces).toFixed(2)} per trace)`,
    );
  }

  // Workers: 3t FIXED split into prefixes (dist/, so the workers load worker.js).
  for (const workers of [1, 2]) {
    const t0 = performance.now();
    const w = await exploreParallel(
      { module: join(ROOT, 'dist/scenarios/demos.js'), export: 'notifierRace', args: [true, 2, 2] },
      { strategy: 'dpor', workers },
    );
    console.log(
      `3t FIXED dpor on ${workers} worker(s): ${w.kind}, ${w.runs.toLocaleString('en-US')} runs, ${fmtMs(performance.now() - t0)}`,
    );
  }

  // dpor shard balance: runs per shard of 3t FIXED (max/mean: 1.00 is an even split).
  const p3 = notifierRace(true, 2, 2);
  const t3 = performance.now();
  const plan = planUnits(p3, 16);
  console.log(
    `3t FIXED split: ${plan.length} units (${plan.filter((u) => u.large).length} large), planned in ${fmtMs(performance.now() - t3)}`,
  );
  for (const n of [2, 4, 8]) {
    const runs = Array.from(
      { length: n },
      (_, index) => runShard(p3, { strategy: 'dpor', shard: { index, count: n } }).runs,
    );
    const total = runs.reduce((a, b) => a + b, 0);
    console.log(
      `3t FIXED dpor on ${n} shards: runs per shard ${runs.map((r) => r.toLocaleString('en-US')).join(', ')}; ` +
        `max/mean ${(Math.max(...runs) / (total / n)).toFixed(2)}`,
    );
  }

  // The deep bug: three ordered preemptions in a ~90-step run.
  const seeds = 20;
  const budget = 2000;
  for (const s of ['random', 'pct']) {
    let found = 0;
    let runs = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const d = explore(deepBug(), { strategy: makeStrategy(s, { seed, depth: 3 }), maxRuns: budget });
      if (d.kind === 'violation') {
        found++;
        runs += d.runs;
      }
    }
    console.log(
      `deep bug, ${s}${s === 'pct' ? ' (depth 3)' : ''}: found by ${found}/${seeds} seeds within ${budget} runs` +
        (found > 0
          ? `, mean ${(runs / found).toFixed(0)} runs to find (a find rate of ${((found / runs) * 100).toFixed(2)}% per run)`
          : ''),
    );
  }
  const dd = explore(deepBug(), { strategy: makeStrategy('dpor') });
  console.log(`deep bug, dpor: ${dd.kind} after ${dd.runs} runs`);

  if (withFastCheck) {
    console.log(
      `\nfast-check scheduler model (shared/baselines/fast-check, npm ci in a scratch dir${process.argv.includes('--quick-fast-check') ? ', --quick' : ''}):`,
    );
    console.log(fcTable ?? 'baselines not found');
  }
}

await main();
