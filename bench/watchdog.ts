/**
 * `npx tsx bench/watchdog.ts [repeats]`: what the watchdog costs on the built CLI (run
 * `npm run build` first). Each case runs in a fresh process, watched and unwatched in turn,
 * `repeats` times (default 5); the medians are printed. On a shared machine the spread
 * matters as much as the medians: all runs are printed too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const BIN = `${ROOT}bin/mmulab.js`;
const repeats = Number(process.argv[2] ?? 5);

/** Wall ms of one process; exit codes 0 and 1 (a violation) are both a finished run. */
function time(args: readonly string[]): number {
  const t0 = performance.now();
  try {
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e;
  }
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), 'mmulab-bench-'));

/**
 * Loading a driver in a fresh process: plain loadDriver, or through the probe thread. A
 * script file, not `-e`: a worker thread inherits the process's execArgv.
 */
function load(watched: boolean, driver: string): string[] {
  const mod = watched ? 'load-driver-watched.js' : 'load-driver.js';
  const fn = watched ? 'loadDriverWatched' : 'loadDriver';
  const file = join(dir, `${fn}.mjs`);
  writeFileSync(
    file,
    `const m = await import(${JSON.stringify(`${ROOT}dist/cli/${mod}`)});\nawait m.${fn}(${JSON.stringify(driver)});\n`,
  );
  return [file];
}

const cases: { name: string; plain: string[]; watched: string[] }[] = [
  {
    name: 'load examples/toy-tlb.ts',
    plain: load(false, 'examples/toy-tlb.ts'),
    watched: load(true, 'examples/toy-tlb.ts'),
  },
  ...[
    [
      'kvm-munmap dpor --workers 2 (verified, 451 runs)',
      'explore',
      'kvm-munmap',
      '--strategy',
      'dpor',
      '--workers',
      '2',
    ],
    [
      'kvm-munmap random 50,000 runs --workers 2',
      'explore',
      'kvm-munmap',
      '--strategy',
      'random',
      '--runs',
      '50000',
      '--workers',
      '2',
    ],
    [
      'kvm-munmap dpor --shard 0/2',
      'explore',
      'kvm-munmap',
      '--strategy',
      'dpor',
      '--shard',
      '0/2',
      '--json',
    ],
  ].map(([name, ...args]) => ({
    name: name!,
    plain: [BIN, ...args],
    watched: [BIN, ...args, '--step-timeout', '2000'],
  })),
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const c of cases) {
  const plain: number[] = [];
  const watched: number[] = [];
  for (let i = 0; i < repeats; i++) {
    plain.push(time(c.plain));
    watched.push(time(c.watched));
  }
  const f = (xs: number[]) => xs.map((x) => Math.round(x)).join(' / ');
  console.log(
    `${c.name}: unwatched ${Math.round(median(plain))} ms (${f(plain)}), watched ${Math.round(median(watched))} ms (${f(watched)})`,
  );
}
