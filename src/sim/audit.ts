import type { SimObject } from './step.js';

/**
 * The access audit: DPOR is sound only if every shared access a step makes is in its
 * footprint (its object, the objects it declares in `Step.touches`, or a word whose guard
 * lock the thread holds), and every read an invariant with a declared read set makes is of
 * an object in that set (`Runtime.checking`). Words, page frames and the device and vCPU
 * TLBs' entry maps report their plain accesses here when an audit is installed; the audit
 * checks each against the running step or invariant. Off by default: one null test per
 * access.
 */
export type AccessAudit = (obj: SimObject, write: boolean) => void;

export let accessAudit: AccessAudit | null = null;

export function setAccessAudit(a: AccessAudit | null): void {
  accessAudit = a;
}
