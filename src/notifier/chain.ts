import type { Mm } from '../primary/mm.js';
import type { MmuNotifierRange, MmuNotifierSubscriptions } from '../primary/notify.js';
import type { Sim } from '../sim/step.js';
import type { MmuNotifier } from './ops.js';

/**
 * What a check can see of a chain: the invalidations in flight, from the call of start to
 * the return of end, and for each subscriber whether its start has returned.
 */
export interface ActiveInvalidation {
  readonly range: MmuNotifierRange;
  /** Subscribers whose start has returned for this range (their end not yet called). */
  readonly quiesced: Set<MmuNotifier>;
}

/**
 * A notifier design: the per-mm subscription list and the way the primary's notifier calls
 * reach the subscribers. `classic` (2.6.27+) is the first; EMM, rcu-register,
 * seqlock-register and interval implement the same interface.
 */
export interface MmuNotifierChain extends MmuNotifierSubscriptions {
  readonly design: string;
  readonly mm: Mm;
  /** mmu_notifier_register(): may sleep; takes mmap_lock itself. */
  register(sub: MmuNotifier): Sim<0>;
  /** Setup only (no step): the subscriber registered before the run began. */
  registerAtSetup(sub: MmuNotifier): void;
  /** mmu_notifier_unregister(): ->release if still linked, unlink, wait for callbacks. */
  unregister(sub: MmuNotifier): Sim<void>;
  readonly subscribers: readonly MmuNotifier[];
  readonly active: readonly ActiveInvalidation[];
}
