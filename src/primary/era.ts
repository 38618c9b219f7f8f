/**
 * The kernel whose primary-side notifier ordering an mm follows, where it changed. Each era
 * names the first release of a span; the spans (verified against the kernel history):
 * - '2.6.27' (2.6.27–3.5): try_to_unmap_one calls invalidate_page right after
 *   ptep_clear_flush, under the PT lock (ptep_clear_flush_notify); set_pte_at_notify (KSM,
 *   COW; 2.6.32+) calls change_pte under the PT lock with no range bracket, and a subscriber
 *   without change_pte gets invalidate_page instead.
 * - '3.6' (3.6–4.12): invalidate_page after the PT unlock (callbacks may sleep under SRCU,
 *   3.7); change_pte still unbracketed until 6bdb913f0a70 (3.7) wrapped every
 *   set_pte_at_notify in invalidate_range_start/end. The era stands for the unbracketed
 *   change_pte, as 3.6 had it.
 * - '4.13' (4.13–6.5): no invalidate_page (5f32b265400de): range_start/end brackets;
 *   change_pte bracketed; invalidate_range (3.19–6.5) from ptep_clear_flush_notify under the
 *   PT lock, from the mmu_gather flush and from every range_end.
 * - '6.6' (6.6–6.8): invalidate_range renamed arch_invalidate_secondary_tlbs and called from
 *   the architecture's TLB flush only (Popple, 2023); change_pte still bracketed.
 * - '6.9' (6.9+, today): change_pte and set_pte_at_notify removed ("mm: remove change_pte",
 *   Bonzini, 2024): a PTE replacement is a plain set_pte_at inside the bracket.
 */
export type MmEra = '2.6.27' | '3.6' | '4.13' | '6.6' | '6.9';

/** The eras in order; the default is the last (today's kernel). */
export const mmEras: readonly MmEra[] = ['2.6.27', '3.6', '4.13', '6.6', '6.9'];

export const DEFAULT_ERA: MmEra = '6.9';

export function eraAtLeast(era: MmEra, since: MmEra): boolean {
  return mmEras.indexOf(era) >= mmEras.indexOf(since);
}

/** try_to_unmap_one calls invalidate_page (2.6.27–4.12) instead of a range bracket. */
export function hasInvalidatePage(era: MmEra): boolean {
  return !eraAtLeast(era, '4.13');
}

/** set_pte_at_notify calls ->change_pte (2.6.32–6.8). */
export function hasChangePte(era: MmEra): boolean {
  return !eraAtLeast(era, '6.9');
}

/** set_pte_at_notify sits inside an invalidate_range_start/end pair (3.7+, 6bdb913f0a70). */
export function changePteBracketed(era: MmEra): boolean {
  return eraAtLeast(era, '4.13');
}

/**
 * The secondary-TLB flush a CPU TLB flush brings with it: none before 3.19 (the model's
 * 2.6.27 and 3.6 eras), ->invalidate_range (3.19–6.5), ->arch_invalidate_secondary_tlbs (6.6+).
 */
export function secondaryTlbCallback(
  era: MmEra,
): 'none' | 'invalidate_range' | 'arch_invalidate_secondary_tlbs' {
  if (!eraAtLeast(era, '4.13')) return 'none';
  return eraAtLeast(era, '6.6') ? 'arch_invalidate_secondary_tlbs' : 'invalidate_range';
}
