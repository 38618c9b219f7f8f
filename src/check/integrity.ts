import type { MmuNotifierChain } from '../notifier/chain.js';
import type { Mm } from '../primary/mm.js';
import { fail } from '../sim/violation.js';

/**
 * Brackets of discards the process asked for, or that only a dying process gets (the OOM
 * reaper zaps the memory of a task already SIGKILLed, __oom_reap_task_mm): a write racing
 * with them may be lost.
 */
const DISCARDS: ReadonlySet<string> = new Set(['munmap', 'madvise_dontneed', 'exit_mmap', 'oom_reaper']);

/**
 * Data integrity: a write through a secondary translation must land in the page the primary
 * maps, writable, at that address, so that the primary reads what the device or guest wrote.
 * The one exception is a write racing with a discard of that address the process itself
 * asked for (munmap, MADV_DONTNEED, exit) or the OOM reaper's zap of a killed process: the
 * primary CPU's own stale TLB may lose such a write as well. A write after fork write-protected the page, or after reclaim wrote it to
 * swap, is lost or leaks into another process: a violation (before reclaim's pageout the
 * write reaches swap with the page). Called inside the access step.
 */
export function checkSecondaryWrite(
  mm: Mm,
  chain: MmuNotifierChain,
  who: string,
  addr: number,
  pfn: number,
  value: number,
  /**
   * The writer's TLB refills from the CPU page table and is flushed by the CPU's own TLB
   * flush (arch_invalidate_secondary_tlbs: an IOTLB behind ATS); a KVM vCPU's or a driver's
   * TLB is not.
   */
  followsCpuFlush = false,
): void {
  const pte = mm.pte(addr).value;
  if (pte.present && pte.pfn === pfn && pte.write) return;
  // Reclaim cleared the PTE and has not yet flushed the secondary TLBs and written the page
  // out: the store lands in the page and reaches swap with it, as a CPU's through its stale
  // TLB entry does.
  if (!pte.present && mm.pageoutPending.get(addr) === pfn) return;
  // mprotect or fork write-protected the page and the TLB flush is still owed: a store
  // through a writable entry of a TLB that follows the CPU's lands in the page, as a CPU's
  // does, before the syscall returns.
  if (followsCpuFlush && pte.present && pte.pfn === pfn && mm.tlbFlushPending.has(addr)) return;
  for (const inv of chain.active) {
    if (addr >= inv.range.start && addr < inv.range.end && DISCARDS.has(inv.range.caller)) return;
  }
  const now = !pte.present
    ? 'maps nothing there'
    : pte.pfn !== pfn
      ? `maps page${pte.pfn} there`
      : 'maps it read-only';
  fail(
    'data-integrity',
    `${who} writes ${value} to page${pfn} at address ${addr}, but the primary ${now}: the write is lost to the process`,
  );
}
