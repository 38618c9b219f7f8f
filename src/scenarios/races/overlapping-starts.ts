import { madviseDontneed } from '../../primary/ops/madvise.js';
import { rangeLockTlb } from '../../secondary-mmu/range-lock/range-lock.js';
import type { Scenario } from '../scenario.js';
import { deviceStores, driverWorld } from './driver-world.js';

/**
 * Race #3 (seed 003, 2008): MADV_DONTNEED of the device's page and of its neighbour at once
 * (mmap_lock for read, so the two brackets overlap) and a device fault, against a driver
 * that keeps faults out of start..end with one driver-global seqcount or flag. The other
 * range need not cover the device's page: opening or closing it is enough to fool the
 * driver about the first one. The fix is seed 003's recursive rwsem.
 */
export const overlappingStarts: Scenario = {
  name: 'overlapping-starts',
  description:
    'two threads MADV_DONTNEED two pages at once while a device faults the first in: a driver-global seqcount or flag cannot stand for two open start..end brackets (2008)',
  reference:
    'seed 003 (lkml, 2008-04-02: "calling seqlock_write twice in a row before any sequnlock operation will break"; a recursive rwsem taken in range_begin and released in range_end); include/linux/mmu_notifier.h: concurrent ranges',
  secondary: rangeLockTlb.name,
  designs: rangeLockTlb.designs,
  threads: ['device', 'dontneed0', 'dontneed1'],
  bugs: rangeLockTlb.bugs,
  safeBugs: {},
  catalogueSearch: {
    strategy: 'random',
    runs: 10_000,
    why: 'three threads, and the checks read every PTE, page and TLB entry (undeclared invariant reads make every pair of writes dependent): dpor passes 300,000 runs of the fix without finishing; with one MADV_DONTNEED it verifies the fix in 486 runs and the global seqcount in 12,931',
  },
  build(opts) {
    const bugs = [...opts.bugs].sort();
    return {
      name: `overlapping-starts[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const w = driverWorld(rt, rangeLockTlb, opts, { size: 2 });
        rt.spawn('device', () => deviceStores(w, 1));
        rt.spawn('dontneed0', () => madviseDontneed(w.mm, 0, 1));
        rt.spawn('dontneed1', () => madviseDontneed(w.mm, 1, 2));
      },
    };
  },
};
