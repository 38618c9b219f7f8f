import type { Sim } from '../step.js';
import { oneStep, SimObject, Step } from '../step.js';
import type { SimThread } from '../thread.js';

/** struct completion: `done` counts completions; complete_all makes it permanently done. */
export class Completion extends SimObject {
  done = 0;
  readonly waitStep = new Step(this, 'wait_for_completion', 'rmw', true);
  readonly completeStep = new Step(this, 'complete', 'rmw');
  readonly completeAllStep = new Step(this, 'complete_all', 'write');
  readonly reinitStep = new Step(this, 'reinit_completion', 'write');

  override canRun(step: Step): boolean {
    return step !== this.waitStep || this.done > 0;
  }

  override run(step: Step, _t: SimThread): unknown {
    switch (step) {
      case this.waitStep:
        if (this.done !== Number.POSITIVE_INFINITY) this.done--;
        break;
      case this.completeStep:
        this.done++;
        break;
      case this.completeAllStep:
        this.done = Number.POSITIVE_INFINITY;
        break;
      default:
        this.done = 0;
    }
    return undefined;
  }

  override snapshot(): unknown {
    return this.done;
  }
}

export function waitForCompletion(c: Completion): Sim<void> {
  return oneStep(c.waitStep);
}
export function complete(c: Completion): Sim<void> {
  return oneStep(c.completeStep);
}
export function completeAll(c: Completion): Sim<void> {
  return oneStep(c.completeAllStep);
}
export function reinitCompletion(c: Completion): Sim<void> {
  return oneStep(c.reinitStep);
}
