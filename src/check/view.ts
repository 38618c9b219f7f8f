import type { MmuNotifier } from '../notifier/ops.js';

/** One translation a secondary MMU holds: a shadow PTE, or a cached TLB entry. */
export interface Translation {
  /** For messages: `kvm.spte[0]`, `kvm vcpu0 TLB gfn 0`. */
  readonly where: string;
  readonly addr: number;
  readonly pfn: number;
  readonly writable: boolean;
  /** True for a cached copy (a TLB entry) rather than the secondary's page table. */
  readonly cached: boolean;
}

/** What the checks read of a secondary MMU, without steps (invariants run between steps). */
export interface SecondaryView {
  readonly subscriber: MmuNotifier;
  translations(): Iterable<Translation>;
  /** The secondary's count of open invalidations (KVM's in_progress), if it keeps one. */
  invalidationsInProgress?(): number;
}
