/**
 * `npm run bench -- steps [--seconds=S] [--rounds=N]`: the random walk's scheduled steps per
 * second on the baselines' race, 4t FIXED (`notifierRace(true, 3, 3)`), in process, after a
 * warm-up: the figure `bench explorer` prints, without the rest of that benchmark. Several
 * short rounds and their median, since the build machine is shared. Timings only; not a test.
 */
import { explore } from '../src/explore/explorer.js';
import { makeStrategy } from '../src/explore/strategies/index.js';
import { notifierRace } from '../src/scenarios/demos.js';
import type { Program } from '../src/sim/program.js';

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const seconds = arg('seconds', 3);
const rounds = arg('rounds', 5);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

function measure(label: string, prog: Program): void {
  explore(prog, { strategy: makeStrategy('random', { seed: 9 }), maxRuns: 2000 });
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const cpu = process.cpuUsage();
    const v = explore(prog, {
      strategy: makeStrategy('random', { seed: 1 + i }),
      maxRuns: 1e9,
      timeLimitMs: (seconds * 1000) / rounds,
    });
    const used = process.cpuUsage(cpu);
    rates.push((v.steps / v.ms) * 1000);
    cpuRates.push((v.steps / (used.user + used.system)) * 1e6);
  }
  const sorted = [...rates].sort((a, b) => a - b);
  // Per CPU second too: on a shared machine the wall clock also counts other jobs' time slices.
  const cpuMedian = [...cpuRates].sort((a, b) => a - b)[rounds >> 1]!;
  console.log(
    `scheduled steps/s (random, ${label}, ${rounds} x ${(seconds / rounds).toFixed(2)} s): ` +
      `median ${fmt(sorted[rounds >> 1]!)} (min ${fmt(sorted[0]!)}, max ${fmt(sorted[rounds - 1]!)}); ` +
      `per CPU second ${fmt(cpuMedian)}`,
  );
}

measure('4t FIXED', notifierRace(true, 3, 3));
