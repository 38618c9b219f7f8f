import type { MmuNotifierChain } from '../notifier/chain.js';
import type { Mm } from '../primary/mm.js';
import { fmtRange } from '../primary/notify.js';
import type { SecondaryView } from './view.js';

/**
 * Coherence, first half: no secondary translation (SPTE or cached TLB entry) to a page on
 * the free list. Checked after every step.
 */
export function noTranslationToFreedPage(mm: Mm, secondaries: readonly SecondaryView[]): () => string | null {
  return () => {
    for (const s of secondaries) {
      for (const t of s.translations()) {
        const page = mm.frame(t.pfn);
        if (page.free) return `${t.where} maps page${t.pfn} (address ${t.addr}), which is on the free list`;
      }
    }
    return null;
  };
}

/**
 * Coherence, second half. Start quiescence: from the return of a subscriber's range_start
 * until the matching range_end its page table holds no entry in the range. Agreement: where
 * no invalidation is in flight, every translation maps the page the primary PTE maps, and is
 * writable only if the PTE is.
 */
export function noStaleTranslation(
  mm: Mm,
  chain: MmuNotifierChain,
  secondaries: readonly SecondaryView[],
): () => string | null {
  return () => {
    for (const s of secondaries) {
      for (const t of s.translations()) {
        let inFlight = false;
        for (const inv of chain.active) {
          if (t.addr < inv.range.start || t.addr >= inv.range.end) continue;
          inFlight = true;
          if (!t.cached && inv.quiesced.has(s.subscriber)) {
            return `${t.where} maps page${t.pfn} inside ${inv.range.caller}'s ${inv.range.event} ${fmtRange(inv.range)} after ${s.subscriber.name}'s invalidate_range_start returned`;
          }
        }
        // A set_pte_at_notify between its clear and its set (src/primary/ops/set-pte-notify.ts).
        if (inFlight || mm.pteChanging.has(t.addr)) continue;
        // A cached entry may keep a permission the primary dropped until the TLB flush owed.
        if (t.cached && mm.tlbFlushPending.has(t.addr)) continue;
        const pte = mm.pte(t.addr).value;
        if (!pte.present || pte.pfn !== t.pfn) {
          const now = pte.present ? `page${pte.pfn}` : 'nothing';
          return `${t.where} maps page${t.pfn} at address ${t.addr}, where the primary maps ${now}, and no invalidation is in flight`;
        }
        if (t.writable && !pte.write) {
          return `${t.where} maps page${t.pfn} writable at address ${t.addr}, which the primary write-protected, and no invalidation is in flight`;
        }
      }
    }
    return null;
  };
}
