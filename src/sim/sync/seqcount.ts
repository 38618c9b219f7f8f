import type { Sim } from '../step.js';
import { oneStep, SimObject, Step } from '../step.js';
import type { SimThread } from '../thread.js';
import { SpinLock, spinLock, spinUnlock } from './spinlock.js';

/**
 * seqcount_t: a sequence count, odd while a write section is open. Writers must be
 * serialized by the caller: two write sections open at once make the count even again and
 * readers trust torn data (seed 003: "calling seqlock_write twice in a row before any
 * sequnlock operation will break"). The model does not stop that: it lets the race show.
 */
export class Seqcount extends SimObject {
  sequence = 0;
  readonly beginStep = new Step(this, 'read_seqcount_begin', 'read');
  readonly writeBeginStep = new Step(this, 'write_seqcount_begin', 'rmw');
  readonly writeEndStep = new Step(this, 'write_seqcount_end', 'rmw');

  /** read_seqcount_begin spins while a write is open: the reader is blocked until even. */
  override canRun(step: Step): boolean {
    return step !== this.beginStep || (this.sequence & 1) === 0;
  }

  override run(step: Step, _t: SimThread): unknown {
    if (step === this.beginStep || step.op === 'read_seqcount_retry') return this.sequence;
    this.sequence++;
    return undefined;
  }

  override snapshot(): unknown {
    return this.sequence;
  }

  override describe(step: Step, result: unknown): string {
    if (result === undefined) return `${step.op}(${this.name}) -> ${this.sequence}`;
    if (step.op === 'read_seqcount_retry')
      return `${step.op}(${this.name}, ${String(step.arg)}) = ${this.sequence !== step.arg}`;
    return `${step.op}(${this.name}) = ${String(result)}`;
  }
}

export function readSeqcountBegin(s: Seqcount): Sim<number> {
  return oneStep<number>(s.beginStep);
}

/** True when a write section began since `start`: the reader must retry. */
export function* readSeqcountRetry(s: Seqcount, start: number): Sim<boolean> {
  return ((yield new Step(s, 'read_seqcount_retry', 'read', false, start)) as number) !== start;
}

export function writeSeqcountBegin(s: Seqcount): Sim<void> {
  return oneStep(s.writeBeginStep);
}

export function writeSeqcountEnd(s: Seqcount): Sim<void> {
  return oneStep(s.writeEndStep);
}

/** seqlock_t: a seqcount whose writers are serialized by a spinlock. */
export class Seqlock {
  readonly seqcount: Seqcount;
  readonly lock: SpinLock;
  constructor(readonly name: string) {
    this.seqcount = new Seqcount(`${name}.seqcount`);
    this.lock = new SpinLock(`${name}.lock`);
  }
}

export function* writeSeqlock(s: Seqlock): Sim<void> {
  yield* spinLock(s.lock);
  yield* writeSeqcountBegin(s.seqcount);
}

export function* writeSequnlock(s: Seqlock): Sim<void> {
  yield* writeSeqcountEnd(s.seqcount);
  yield* spinUnlock(s.lock);
}

export function* readSeqbegin(s: Seqlock): Sim<number> {
  return yield* readSeqcountBegin(s.seqcount);
}

export function* readSeqretry(s: Seqlock, start: number): Sim<boolean> {
  return yield* readSeqcountRetry(s.seqcount, start);
}
