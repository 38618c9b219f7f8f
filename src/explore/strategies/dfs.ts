import type { Scheduler } from '../../sim/runtime.js';
import type { Strategy } from '../strategy.js';

interface ChoicePoint {
  /** Options at this point: enabled threads, or the n of a choose(n). */
  n: number;
  /** The option taken in the current run. */
  i: number;
}

/**
 * Exhaustive depth-first enumeration of every schedule, with no reduction: each run replays
 * the current prefix of choices and takes the first option past it; afterwards the deepest
 * point with an untried option moves on. Finishing means every schedule ran.
 */
export class DfsStrategy implements Strategy {
  readonly name: string = 'dfs';
  readonly exhaustive = true;
  private readonly stack: ChoicePoint[] = [];
  private finished = false;
  private started = false;

  nextRun(): Scheduler | null {
    if (this.finished) return null;
    this.started = true;
    let depth = 0;
    const choose = (n: number): number => {
      const p = this.stack[depth];
      if (p) {
        if (p.n !== n) {
          throw new Error(
            `[mmulab] the program is not deterministic: choice ${depth} had ${p.n} options before and ${n} now`,
          );
        }
        depth++;
        return p.i;
      }
      this.stack.push({ n, i: 0 });
      depth++;
      return 0;
    };
    return { pickThread: (enabled) => choose(enabled.length), pickValue: choose };
  }

  runDone(): void {
    if (!this.started) return;
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.i + 1 < top.n) {
        top.i++;
        return;
      }
      this.stack.pop();
    }
    this.finished = true;
  }
}
