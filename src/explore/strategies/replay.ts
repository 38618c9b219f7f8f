import { MmulabError } from '../../errors.js';
import type { Scheduler } from '../../sim/runtime.js';
import type { TokenRuns } from '../../sim/token.js';

/**
 * Feeds a token's choices back to a run; anything that does not fit is a token mismatch. The
 * choices stay run-length encoded: a hostile token that stands for billions of choices costs
 * nothing until a run consumes them.
 */
export class ReplayScheduler implements Scheduler {
  private k = 0;
  private run = 0;
  private usedInRun = 0;
  private readonly runs: TokenRuns;

  constructor(choices: readonly number[] | TokenRuns) {
    this.runs = Array.isArray(choices)
      ? { values: choices, counts: choices.map(() => 1), length: choices.length }
      : (choices as TokenRuns);
  }

  pickThread(enabled: readonly { id: number }[]): number {
    const id = this.take();
    const i = enabled.findIndex((t) => t.id === id);
    if (i < 0) {
      this.mismatch(`choice ${this.k - 1} runs thread ${id}, which is not runnable there`);
    }
    return i;
  }

  pickValue(n: number): number {
    const v = this.take();
    if (v >= n) this.mismatch(`choice ${this.k - 1} is ${v}, out of range for choose(${n})`);
    return v;
  }

  /** Choices the run did not use (a token longer than the run). */
  get unused(): number {
    return this.runs.length - this.k;
  }

  private take(): number {
    if (this.k >= this.runs.length) this.mismatch('the run needs more choices than the token has');
    while (this.usedInRun >= this.runs.counts[this.run]!) {
      this.run++;
      this.usedInRun = 0;
    }
    this.k++;
    this.usedInRun++;
    return this.runs.values[this.run]!;
  }

  private mismatch(why: string): never {
    throw new MmulabError('MMULAB_TOKEN_MISMATCH', `the token does not fit this scenario: ${why}`);
  }
}
