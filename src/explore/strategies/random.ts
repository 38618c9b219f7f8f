import { Rng } from '../../sim/rng.js';
import type { Scheduler } from '../../sim/runtime.js';
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
    const rng = new Rng(this.seed, this.run);
    this.run += this.stride;
    return {
      pickThread: (enabled) => rng.below(enabled.length),
      pickValue: (n) => rng.below(n),
    };
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
