import { Word } from '../sim/cell.js';
import type { SimObject } from '../sim/step.js';
import { RwSemaphore } from '../sim/sync/rwsem.js';
import { SpinLock } from '../sim/sync/spinlock.js';
import { DEFAULT_ERA, type MmEra } from './era.js';
import type { MmuNotifierSubscriptions, NotifierHost } from './notify.js';
import type { PageAllocator, PageFrame } from './page.js';
import { mkPte, PTE_NONE, type Pte } from './pte.js';
import type { Vma } from './vma.js';

export type { MmEra } from './era.js';

export interface MmOptions {
  /** Pages of address space: addresses are page numbers 0..size-1, one page table. */
  readonly size: number;
  readonly vmas: readonly Vma[];
  /**
   * Pages an mmu_gather holds before it must flush and free inside the unmap
   * (MMU_GATHER_BUNDLE, 8, when no batch page can be allocated).
   */
  readonly gatherCapacity?: number;
  /** The kernel whose notifier ordering the mm follows (src/primary/era.ts); default '6.9', today's. */
  readonly era?: MmEra;
}

/**
 * struct mm_struct: VMAs, one page table of PTEs, the locks. Addresses and PTE indices are
 * page numbers. Page frames come from a machine-wide allocator shared with other mms (fork).
 */
export class Mm implements NotifierHost {
  /** mmap_lock: VMAs change under it held for write; faults and gup hold it for read. */
  readonly mmapLock: RwSemaphore;
  /** The split PT lock of the one page-table page: every PTE change is made under it. */
  readonly ptl: SpinLock;
  /**
   * anon_vma->rwsem, the rmap lock of the mm's anonymous pages: reclaim holds it for read
   * across try_to_unmap's notifier bracket, mm_take_all_locks for write.
   */
  readonly anonVmaLock: RwSemaphore;
  readonly ptes: Word<Pte>[];
  /** Swap slots of reclaimed anonymous pages: address to contents. Under the PT lock. */
  readonly swap = new Map<number, number>();
  /**
   * Addresses try_to_unmap has cleared whose page is not yet written to its swap slot:
   * address to pfn. A store through a translation not yet flushed lands in that page and is
   * written out with it (the data-integrity check allows it). Under the PT lock.
   */
  readonly pageoutPending = new Map<number, number>();
  /** Under mmapLock. */
  vmas: Vma[];
  /**
   * Model only: addresses between ptep_clear_flush and set_pte_at of a set_pte_at_notify
   * (the PT lock held, the old page still referenced). The checks treat them as an
   * invalidation in flight.
   */
  readonly pteChanging = new Set<number>();
  /**
   * Addresses whose PTE was write-protected (mprotect, fork's COW) and whose TLB flush is
   * still owed: the caller flushes after invalidate_range_end (mprotect's tlb_finish_mmu,
   * dup_mmap's flush_tlb_mm), and TLBs that refill from the CPU page table by themselves (an
   * IOTLB behind ATS, flushed by arch_invalidate_secondary_tlbs from that same flush) may keep
   * the old permission until then, as the CPU's own TLB does (mm_tlb_flush_pending()).
   * Changed under the PT lock or the flush's own step.
   */
  readonly tlbFlushPending = new Set<number>();
  /** mm->notifier_subscriptions; set by the first registration. */
  notifierSubscriptions: MmuNotifierSubscriptions | null = null;
  readonly gatherCapacity: number;
  readonly era: MmEra;

  constructor(
    readonly name: string,
    readonly pages: PageAllocator,
    opts: MmOptions,
  ) {
    this.mmapLock = new RwSemaphore(`${name}.mmapLock`);
    this.ptl = new SpinLock(`${name}.ptl`);
    this.anonVmaLock = new RwSemaphore(`${name}.anonVma.rwsem`);
    this.ptes = Array.from({ length: opts.size }, (_, a) => new Word<Pte>(`${name}.pte[${a}]`, PTE_NONE));
    this.vmas = [...opts.vmas];
    this.gatherCapacity = opts.gatherCapacity ?? 8;
    this.era = opts.era ?? DEFAULT_ERA;
  }

  pte(addr: number): Word<Pte> {
    const p = this.ptes[addr];
    if (!p) throw new Error(`[mmulab internal bug] ${this.name}: no PTE for address ${addr}`);
    return p;
  }

  /** What a PT-lock section over `[start, end)` may touch: those PTEs and any page frame (DPOR). */
  ptlFootprint(start: number, end: number): SimObject[] {
    return [...this.ptes.slice(start, end), ...this.pages.frames];
  }

  /** find_vma(): caller holds mmapLock. */
  findVma(addr: number): Vma | null {
    return this.vmas.find((v) => v.start <= addr && addr < v.end) ?? null;
  }

  frame(pfn: number): PageFrame {
    return this.pages.frame(pfn);
  }

  /**
   * Setup only (no step): a page already faulted in at `addr`, as if the process had touched
   * it before the run; returns its pfn.
   */
  populate(addr: number, data: number, write = true): number {
    const f = this.pages.take();
    if (!f) throw new Error(`[mmulab] ${this.name}: no free page to populate address ${addr}`);
    f.mapcount = 1;
    f.data = data;
    this.pte(addr).value = mkPte(f.pfn, write, false, false);
    return f.pfn;
  }
}
