import { Word } from '../cell.js';
import type { Sim } from '../step.js';
import { oneStep, Step } from '../step.js';

/** atomic_t: a word whose every operation is one atomic step. */
export class AtomicT extends Word<number> {}

export function atomicRead(a: AtomicT): Sim<number> {
  return a.read();
}
export function atomicSet(a: AtomicT, v: number): Sim<void> {
  return a.write(v);
}
export function atomicInc(a: AtomicT): Sim<void> {
  return oneStep(new Step(a, 'update', 'rmw', false, inc));
}
export function atomicDec(a: AtomicT): Sim<void> {
  return oneStep(new Step(a, 'update', 'rmw', false, dec));
}
const inc = (v: number): number => v + 1;
const dec = (v: number): number => v - 1;
export function* atomicAddReturn(a: AtomicT, delta: number): Sim<number> {
  return (yield* a.update((v) => v + delta, true)) + delta;
}
export function* atomicIncReturn(a: AtomicT): Sim<number> {
  return yield* atomicAddReturn(a, 1);
}
export function* atomicDecReturn(a: AtomicT): Sim<number> {
  return yield* atomicAddReturn(a, -1);
}
/** True when the count reached zero: the caller frees the object. */
export function* atomicDecAndTest(a: AtomicT): Sim<boolean> {
  return (yield* atomicAddReturn(a, -1)) === 0;
}
/** Writes `next` if the value is `expected`; returns the value found. */
export function atomicCmpxchg(a: AtomicT, expected: number, next: number): Sim<number> {
  return oneStep<number>(
    new Step(a, 'cmpxchg', 'observe', false, (v: number) => (v === expected ? next : v)),
  );
}
