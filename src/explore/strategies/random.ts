import { Rng } from '../../sim/rng.js';
import type { Scheduler } from '../../sim/runtime.js';
import type { SimThread } from '../../sim/thread.js';
import { badCheckpoint, isCount, isRecord, type Strategy } from '../strategy.js';

/**
 * Uniform random walk: at each scheduling point every enabled thread is equally likely. Run
 * k draws from its own stream of `seed`, so any run can be re-created from (seed, k).
 */
export class RandomStrategy implements Strategy {
  readonly name = 'random';
  readonly exhaustive = false;
  private run = 0;

  constructor(
    readonly seed: number,
    /** First run index and stride: shards take interleaved runs of the same seed. */
    first = 0,
    private readonly stride = 1,
  ) {
    this.run = first;
  }

  nextRun(): Scheduler {
    const s = new RandomScheduler(new Rng(this.seed, this.run));
    this.run += this.stride;
    return s;
  }

  runDone(): void {}

  /** The next run's index: each run's stream is (seed, index), so nothing else carries over. */
  checkpoint(): { run: number } {
    return { run: this.run };
  }

  restore(state: unknown): void {
    if (!isRecord(state) || !isCount(state.run)) badCheckpoint(this.name, 'no run index');
    this.run = state.run;
  }
}

/** One run's uniform picks: a class rather than two closures per run. */
class RandomScheduler implements Scheduler {
  constructor(private readonly rng: Rng) {}

  pickThread(enabled: readonly SimThread[]): number {
    return this.rng.below(enabled.length);
  }

  pickValue(n: number): number {
    return this.rng.below(n);
  }
}
