/**
 * `npm run bench` (or `npm run bench -- runtime`): the runtime's speed on a 4-thread lock-heavy
 * program: scheduled steps per second under the random strategy, against bare generator
 * stepping (a loop calling next() on the same generators, no scheduler, no objects run).
 * Timings only; not a test.
 */
import { explore } from '../src/explore/explorer.js';
import { RandomStrategy } from '../src/explore/strategies/random.js';
import { Word } from '../src/sim/cell.js';
import type { Program } from '../src/sim/program.js';
import type { Runtime } from '../src/sim/runtime.js';
import type { Sim } from '../src/sim/step.js';
import { SpinLock, spinLock, spinUnlock } from '../src/sim/sync/spinlock.js';

const THREADS = 4;
const ROUNDS = 50;
const SECONDS = Number(process.env.MMULAB_BENCH_SECONDS ?? 3);

/** Each thread: 50 rounds of lock A or B, read-increment-write a counter, unlock. */
function bodies(): Array<() => Sim<void>> {
  const locks = [new SpinLock('A'), new SpinLock('B')];
  const counters = [new Word('a', 0), new Word('b', 0)];
  return Array.from(
    { length: THREADS },
    (_, i) =>
      function* (): Sim<void> {
        for (let r = 0; r < ROUNDS; r++) {
          const k = (r + i) & 1;
          yield* spinLock(locks[k]!);
          const v = yield* counters[k]!.read();
          yield* counters[k]!.write((v ?? 0) + 1);
          yield* spinUnlock(locks[k]!);
        }
      },
  );
}

const lockHeavy: Program = {
  name: 'lock-heavy-4t',
  setup(rt: Runtime) {
    for (const [i, b] of bodies().entries()) rt.spawn(`t${i}`, b);
  },
};

function scheduled(ms: number): { steps: number; ms: number } {
  const v = explore(lockHeavy, {
    strategy: new RandomStrategy(1),
    maxRuns: 1e9,
    timeLimitMs: ms,
  });
  return { steps: v.steps, ms: v.ms };
}

/** The same generators stepped round-robin by next(), nothing else. */
function bare(ms: number): { steps: number; ms: number } {
  const t0 = performance.now();
  let steps = 0;
  let now = t0;
  while (now - t0 < ms) {
    const gens = bodies().map((b) => b());
    let live = gens.length;
    const done = gens.map(() => false);
    while (live > 0) {
      for (let i = 0; i < gens.length; i++) {
        if (done[i]) continue;
        if (gens[i]!.next(undefined).done) {
          done[i] = true;
          live--;
        } else steps++;
      }
    }
    now = performance.now();
  }
  return { steps, ms: now - t0 };
}

function perSecond(r: { steps: number; ms: number }): number {
  return (r.steps / r.ms) * 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
scheduled(300);
bare(300);
// Alternating rounds, median of each: the build machine is shared, so one long sample can
// land on another job's burst.
const ROUNDS_OF = 5;
const ss: number[] = [];
const bs: number[] = [];
for (let i = 0; i < ROUNDS_OF; i++) {
  ss.push(perSecond(scheduled((SECONDS * 1000) / ROUNDS_OF)));
  bs.push(perSecond(bare((SECONDS * 1000) / ROUNDS_OF)));
}
const s = median(ss);
const b = median(bs);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `runtime benchmark: ${THREADS} threads x ${ROUNDS} rounds of spin_lock, read, write, spin_unlock ` +
    `(median of ${ROUNDS_OF} alternating rounds, ${SECONDS} s each side, one core)`,
);
console.log(`scheduled steps/s (random strategy):  ${fmt(s)}`);
console.log(`bare generator steps/s (next() only): ${fmt(b)}`);
console.log(`ratio scheduled/bare: ${(s / b).toFixed(3)} (targets: 1,000,000 steps/s and 0.2)`);
