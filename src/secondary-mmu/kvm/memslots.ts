import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import type { Sim } from '../../sim/step.js';
import { SpinLock, spinLockSection } from '../../sim/sync/spinlock.js';
import { Kvm } from './kvm.js';

export const memslotBugs = {
  'memslot-update-in-bracket':
    'no mn_active_invalidate_count (5.13, after 071064f14d87 and before 52ac8b358b0c): range_start and range_end each take mmu_lock and adjust mmu_invalidate_in_progress only if a memslot overlaps the range, and a KVM_SET_USER_MEMORY_REGION between them changes the answer',
} as const;

export type MemslotBug = keyof typeof memslotBugs;

/**
 * KVM with memslots that userspace changes during the run (KVM_SET_USER_MEMORY_REGION) and
 * the lock elision of 071064f14d87 (5.13): __kvm_handle_hva_range takes mmu_lock, and runs
 * kvm_mmu_invalidate_begin/end, only for a range some memslot overlaps. One memslot (gfn n
 * at hva n over the whole mm), present or not.
 *
 * The fix, 52ac8b358b0c (5.14): range_start raises mn_active_invalidate_count under
 * mn_invalidate_lock before the memslot walk, range_end drops it after; the memslot swap
 * (kvm_swap_active_memslots) installs the new memslots only while the count is 0, under the
 * same lock, and otherwise sleeps on mn_memslots_update_rcuwait.
 */
export class KvmMemslots extends Kvm {
  /** kvm->memslots: does the slot exist (SRCU-protected pointer, swapped under mn_invalidate_lock). */
  readonly memslot: Word<boolean>;
  readonly mnInvalidateLock = new SpinLock('kvm.mnInvalidateLock');
  /** kvm->mn_active_invalidate_count: under mnInvalidateLock. */
  readonly mnActiveInvalidateCount = new Word('kvm.mnActiveInvalidateCount', 0);

  constructor(
    mm: Mm,
    slotPresent: boolean,
    readonly memslotBug: boolean,
  ) {
    super(mm);
    this.memslot = new Word('kvm.memslots', slotPresent);
  }

  private *activeCount(delta: 1 | -1): Sim<void> {
    yield* spinLockSection(
      this.mnInvalidateLock,
      delta > 0 ? 'mn_active_invalidate_count++' : 'mn_active_invalidate_count--',
      () => {
        this.mnActiveInvalidateCount.value += delta;
        return this.mnActiveInvalidateCount.value;
      },
      (n) => `mn_active_invalidate_count ${delta > 0 ? '++' : '--'} -> ${n}`,
      [this.mnActiveInvalidateCount],
    );
    // range_end's rcuwait_wake_up: the swap waits by retry on the count (no lost wakeup to check).
  }

  /** What range_start does between raising the count and the memslot walk (the pfn caches). */
  protected *beforeHvaRange(_range: MmuNotifierRange): Sim<void> {}

  override *invalidateRangeStart(range: MmuNotifierRange): Sim<0> {
    if (!this.memslotBug) yield* this.activeCount(1);
    yield* this.beforeHvaRange(range);
    // kvm_for_each_memslot_in_hva_range under kvm->srcu: no overlap, no mmu_lock.
    if (yield* this.memslot.read()) yield* super.invalidateRangeStart(range);
    return 0;
  }

  override *invalidateRangeEnd(range: MmuNotifierRange): Sim<void> {
    if (yield* this.memslot.read()) yield* super.invalidateRangeEnd(range);
    if (!this.memslotBug) yield* this.activeCount(-1);
  }

  /** A vCPU fault on a gfn with no memslot exits to userspace (MMIO / -EFAULT). */
  override *faultinPfn(gfn: number, write: boolean): Sim<boolean> {
    if (!(yield* this.memslot.read())) return false;
    return yield* super.faultinPfn(gfn, write);
  }

  /**
   * KVM_SET_USER_MEMORY_REGION creating (`present`) or deleting the slot, reduced to
   * kvm_swap_active_memslots(): with the fix, the swap happens under mn_invalidate_lock only
   * while mn_active_invalidate_count is 0 (else the thread sleeps until range_end drops it).
   * A deletion would first zap the slot's SPTEs (kvm_arch_flush_shadow_memslot): left out,
   * the scenario only creates.
   */
  *setMemoryRegion(present: boolean): Sim<void> {
    const kvm = this;
    if (this.memslotBug) {
      yield* this.memslot.write(present);
      return;
    }
    yield* retryLoop(function* () {
      const swapped = yield* spinLockSection(
        kvm.mnInvalidateLock,
        'kvm_swap_active_memslots',
        () => {
          if (kvm.mnActiveInvalidateCount.locked() > 0) return false;
          kvm.memslot.value = present;
          return true;
        },
        (ok) =>
          ok
            ? `kvm_swap_active_memslots: memslot ${present ? 'created' : 'deleted'}`
            : `kvm_swap_active_memslots: mn_active_invalidate_count ${kvm.mnActiveInvalidateCount.value}, wait`,
        [kvm.mnActiveInvalidateCount, kvm.memslot],
      );
      return swapped ? 0 : RETRY;
    });
  }
}
