import { iommuBugs, iommuSva } from '../../secondary-mmu/iommu/iommu.js';
import type { Scenario } from '../scenario.js';
import { driverScenario } from './driver-world.js';

const ALL = Object.keys(iommuBugs);

/** Race #9: an IOTLB that refills from the CPU page table, against munmap. */
export const iommuMunmap: Scenario = driverScenario(iommuSva, 'munmap', {
  name: 'iommu-munmap',
  description:
    'an SVA device (IOTLB refilled by the IOMMU’s own page walks) stores while munmap() frees the page; start/end alone are too early and too late (2014–2023)',
  reference:
    'Documentation/mm/mmu_notifier.rst; Popple, "mm_notifiers: Rename invalidate_range notifier", 2023-07-18 (6.6: arch_invalidate_secondary_tlbs)',
  found: ALL,
});

/** The same against MADV_DONTNEED, which holds mmap_lock only for read. */
export const iommuDontneed: Scenario = driverScenario(iommuSva, 'dontneed', {
  name: 'iommu-dontneed',
  description: 'an SVA device stores while MADV_DONTNEED zaps and frees the page',
  reference: 'mm/memory.c zap_page_range_single, tlb_flush_mmu → arch_invalidate_secondary_tlbs (6.6+)',
  found: ALL,
});

/** munmap in the same era: invalidate_range comes from the gather flush and range_end, sleepable. */
export const iommuMunmap413: Scenario = driverScenario(iommuSva, 'munmap', {
  name: 'iommu-munmap-4.13',
  description:
    'an SVA device stores while munmap() frees the page; 4.13–6.5 order: invalidate_range from tlb_flush_mmu and from range_end',
  reference:
    'mm/memory.c tlb_flush_mmu_tlbonly, mm/mmu_notifier.c __mmu_notifier_invalidate_range_end (3.19–6.5)',
  found: ['start-end-only'],
  safe: {
    'flush-sleeps':
      'munmap calls invalidate_range from tlb_finish_mmu and range_end, with no spinlock held: a sleeping flush goes unnoticed on this path in 3.19–6.5 (only ptep_clear_flush_notify callers, such as reclaim, hold the PT lock)',
  },
  world: { era: '4.13' },
});
