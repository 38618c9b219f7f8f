import type { SimObject } from './step.js';

/**
 * The access audit: DPOR is sound only if every shared access a step makes is in its
 * footprint (its object, the objects it declares in `Step.touches`, or a word whose guard
 * lock the thread holds). Words and page frames report their plain field accesses here when
 * an audit is installed; the runtime checks each against the running step. Off by default:
 * one null test per access.
 */
export type AccessAudit = (obj: SimObject, write: boolean) => void;

export let accessAudit: AccessAudit | null = null;

export function setAccessAudit(a: AccessAudit | null): void {
  accessAudit = a;
}
