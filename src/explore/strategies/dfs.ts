import type { Scheduler } from '../../sim/runtime.js';
import { badCheckpoint, isCount, isRecord, type Strategy } from '../strategy.js';

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
  private stack: ChoicePoint[] = [];
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

  /** The choice stack: the next run replays its prefix and moves on from its top. */
  checkpoint(): { stack: [number, number][]; started: boolean; finished: boolean } {
    return { stack: this.stack.map((p) => [p.n, p.i]), started: this.started, finished: this.finished };
  }

  restore(state: unknown): void {
    const ok =
      isRecord(state) &&
      typeof state.started === 'boolean' &&
      typeof state.finished === 'boolean' &&
      Array.isArray(state.stack) &&
      state.stack.every(
        (p: unknown) => Array.isArray(p) && p.length === 2 && isCount(p[0]) && isCount(p[1]) && p[1] < p[0],
      );
    if (!ok) badCheckpoint(this.name, 'no choice stack');
    this.stack = (state.stack as [number, number][]).map(([n, i]) => ({ n, i }));
    this.started = state.started as boolean;
    this.finished = state.finished as boolean;
  }
}
