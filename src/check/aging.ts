import { fail } from '../sim/violation.js';

/**
 * Aging: an access through a secondary since the last aging of a page must make the next
 * clear_flush_young walk report the page young (the OR over every subscriber, plus the
 * primary's own bit). The oracle learns accesses from the secondary's access step and aging
 * results from the primary's folio_referenced.
 */
export class AgingOracle {
  private readonly accessed = new Set<number>();
  private readonly walking = new Map<number, boolean>();

  noteAccess(pfn: number): void {
    this.accessed.add(pfn);
  }

  /** folio_referenced() of `pfn` begins: accesses before now must be reported. */
  begin(pfn: number): void {
    this.walking.set(pfn, this.accessed.has(pfn));
    this.accessed.delete(pfn);
  }

  /**
   * folio_referenced() returned `young`; a violation if an access before the walk is not
   * reported, unless the walk found the page unmapped (`mapped` false: nothing is owed). An access during the walk may land before or after the secondary cleared its
   * bit, so neither this walk nor the next is held to it (a gap of the check).
   */
  end(pfn: number, young: boolean, mapped = true): void {
    const required = mapped && (this.walking.get(pfn) ?? false);
    this.walking.delete(pfn);
    this.accessed.delete(pfn);
    if (required && !young) {
      fail(
        'aging',
        `page${pfn} was accessed through a secondary MMU since it was last aged, but aging reported it old`,
      );
    }
  }
}
