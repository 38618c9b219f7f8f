import { MmulabError } from '../../errors.js';
import type { Scheduler } from '../../sim/runtime.js';

/** Feeds a token's choices back to a run; anything that does not fit is a token mismatch. */
export class ReplayScheduler implements Scheduler {
  private k = 0;
  constructor(private readonly choices: readonly number[]) {}

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
    return this.choices.length - this.k;
  }

  private take(): number {
    const v = this.choices[this.k++];
    if (v === undefined) this.mismatch('the run needs more choices than the token has');
    return v;
  }

  private mismatch(why: string): never {
    throw new MmulabError('MMULAB_TOKEN_MISMATCH', `the token does not fit this scenario: ${why}`);
  }
}
