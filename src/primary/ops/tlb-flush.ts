import type { Sim } from '../../sim/step.js';
import { secondaryTlbCallback } from '../era.js';
import type { Mm } from '../mm.js';
import { mmuNotifierArchInvalidateSecondaryTlbs, mmuNotifierInvalidateRange } from '../notify.js';

/**
 * The secondary-TLB half of a CPU TLB flush, as the mm's era has it: nothing before 3.19,
 * mmu_notifier_invalidate_range() (3.19–6.5: ptep_clear_flush_notify, tlb_flush_mmu_tlbonly),
 * mmu_notifier_arch_invalidate_secondary_tlbs() (6.6+: from the architecture's flush, with
 * preemption off). The caller's context (the PT lock held or not) is the kernel's.
 */
export function* flushSecondaryTlbs(mm: Mm, start: number, end: number): Sim<void> {
  switch (secondaryTlbCallback(mm.era)) {
    case 'none':
      return;
    case 'invalidate_range':
      return yield* mmuNotifierInvalidateRange(mm, start, end);
    case 'arch_invalidate_secondary_tlbs':
      return yield* mmuNotifierArchInvalidateSecondaryTlbs(mm, start, end);
  }
}
