import { gru, gruBugs } from '../../secondary-mmu/gru/gru.js';
import type { Scenario } from '../scenario.js';
import { driverScenario } from './driver-world.js';

const ALL = Object.keys(gruBugs);

/**
 * GRU against MADV_DONTNEED: the zap runs under mmap_lock held for read, so the GRU fault
 * path (which holds it for read too) runs concurrently. The reference race of spec §9.
 */
export const gruDontneed: Scenario = driverScenario(gru, 'dontneed', {
  name: 'gru-dontneed',
  description:
    'a GRU fault drops in a TLB entry while MADV_DONTNEED zaps and frees the page (2008: the counter plus the hardware dropin rule)',
  reference:
    'drivers/misc/sgi-gru/grufault.c gru_try_dropin, grutlbpurge.c gru_invalidate_range_start/end (2.6.27, 2008); mmu_notifier_spec.md §9',
  found: ALL,
});

/** GRU against reclaim: try_to_unmap holds only the rmap lock, as in Arcangeli's 2008 example. */
export const gruReclaim: Scenario = driverScenario(gru, 'reclaim', {
  name: 'gru-reclaim',
  description:
    'a GRU fault drops in a TLB entry while reclaim unmaps the page to swap under the rmap lock only',
  reference: 'mm/rmap.c try_to_unmap_one vs grufault.c gru_try_dropin (2.6.27, 2008)',
  found: ALL,
});

/** GRU against munmap: mmap_lock for write excludes the fault path, so no bug shows. */
export const gruMunmap: Scenario = driverScenario(gru, 'munmap', {
  name: 'gru-munmap',
  description:
    'a GRU fault against munmap(): gru_lock_gts holds mmap_lock for read across the dropin, so every variant is safe here',
  reference: 'drivers/misc/sgi-gru/grumain.c gru_lock_gts, mm/vma.c unmap_region',
  found: [],
  safe: Object.fromEntries(
    ALL.map((b) => [
      b,
      'munmap holds mmap_lock for write across its bracket and the GRU fault path holds it for read: they never overlap',
    ]),
  ),
});

/** GRU against fork(): the parent's PTE is write-protected inside a PROTECTION_PAGE bracket. */
export const gruFork: Scenario = driverScenario(gru, 'fork', {
  name: 'gru-fork',
  description:
    'GRU stores race with fork() write-protecting the parent’s page for COW (the bracket since 2008, #19)',
  reference: 'kernel/fork.c dup_mmap → copy_page_range (MMU_NOTIFY_PROTECTION_PAGE on the parent)',
  found: [],
  safe: Object.fromEntries(
    ALL.map((b) => [
      b,
      'fork holds the parent’s mmap_lock for write across its bracket and the GRU fault path holds it for read: they never overlap',
    ]),
  ),
});
