import { note } from '../../sim/api.js';
import type { Sim } from '../../sim/step.js';
import { spinLockSection, spinLockThen, spinUnlock } from '../../sim/sync/spinlock.js';
import { hasChangePte } from '../era.js';
import type { Mm } from '../mm.js';
import { mmuNotifierChangePte } from '../notify.js';
import { fmtPte, PTE_NONE, type Pte } from '../pte.js';

/**
 * A PT-locked PTE replacement in set_pte_at_notify's shape: spin_lock → `check` (false: leave
 * the PTE as it is) → ptep_clear_flush → mmu_notifier_change_pte(new) (2.6.32–6.8; 6.9+ has
 * none) → set_pte_at(new) → `after` (rmap and references of the old page, under the lock)
 * → spin_unlock. The notifier runs *before* the set (the order since 2012; the 2009 macro
 * set first), with the PTE clear, so a lockless walker (gup-fast, an IOMMU) finds nothing
 * meanwhile. From the clear to the set the address is in `mm.pteChanging`: the checks treat
 * it as an invalidation in flight, as the PT lock keeps every locked path out and the old page
 * is still referenced. The caller brackets it with range_start/end where its era does.
 */
export function* setPteAtNotify(
  mm: Mm,
  addr: number,
  label: string,
  check: (old: Pte) => boolean,
  make: (old: Pte) => Pte,
  /** Steps of the section after the set (put_page); shared state it touches needs a step. */
  after: (old: Pte) => Sim<unknown>,
): Sim<boolean> {
  if (!hasChangePte(mm.era)) {
    // 6.9+: ptep_clear_flush + set_pte_at with no notifier between: one PT-lock section.
    let old: Pte | null = null;
    yield* spinLockSection(
      mm.ptl,
      label,
      () => {
        const cur = mm.pte(addr).value;
        if (!check(cur)) return false;
        mm.pte(addr).value = make(cur);
        old = cur;
        return true;
      },
      (ok) =>
        ok
          ? `ptep_clear_flush + set_pte_at(${mm.name}.pte[${addr}], ${fmtPte(mm.pte(addr).value)})`
          : `${mm.name}.pte[${addr}] left as is (${label} gave up)`,
      mm.ptlFootprint(addr, addr + 1),
    );
    if (old === null) return false;
    // `after` (put_page of the old page) after it: KSM's own reference keeps the page, so the
    // lock no longer matters to it.
    yield* after(old);
    return true;
  }
  const old = yield* spinLockThen(
    mm.ptl,
    label,
    () => {
      const cur = mm.pte(addr).value;
      if (!check(cur)) return null;
      mm.pte(addr).value = PTE_NONE;
      mm.pteChanging.add(addr);
      return cur;
    },
    (o) =>
      o
        ? `ptep_clear_flush(${mm.name}.pte[${addr}]) (was ${fmtPte(o)})`
        : `${mm.name}.pte[${addr}] left as is (${label} gave up)`,
    mm.ptlFootprint(addr, addr + 1),
  );
  if (old) {
    note('tlb-flush', `flush_tlb_page(${mm.name}, ${addr}) (ptep_clear_flush)`);
    const pte = make(old);
    if (hasChangePte(mm.era)) yield* mmuNotifierChangePte(mm, addr, pte);
    yield* mm.pte(addr).write(pte);
    mm.pteChanging.delete(addr);
    yield* after(old);
  }
  yield* spinUnlock(mm.ptl);
  return old !== null;
}
