import { IntervalChain, MmuIntervalNotifier } from '../../notifier/designs/interval.js';
import { madviseDontneed } from '../../primary/ops/madvise.js';
import { hmm, hmmBugs } from '../../secondary-mmu/hmm/hmm.js';
import { oomReapTaskMm } from '../claims/oom-reap.js';
import type { Scenario } from '../scenario.js';
import { driverScenario, driverWorld } from './driver-world.js';

/**
 * An HMM mirror fault against munmap(): hmm_range_fault runs under mmap_lock for read, but the
 * driver drops it before taking its own lock to program the device, so munmap's whole bracket
 * fits in that gap; read_retry under the driver lock is what catches it (hmm.rst).
 */
export const hmmMunmap: Scenario = driverScenario(hmm, 'munmap', {
  name: 'hmm-munmap',
  description:
    'an HMM mirror faults a page in with hmm_range_fault while munmap() unmaps and frees it (mmu_interval_notifier, 5.5+)',
  reference:
    'Documentation/mm/hmm.rst (driver pattern), lib/test_hmm.c dmirror_range_fault / dmirror_interval_invalidate, mm/mmu_notifier.c mmu_interval_read_retry',
  found: ['no-read-retry', 'set-seq-outside-lock'],
  safe: {
    'sleeps-when-nonblockable': 'munmap’s range is blockable: mutex_lock is allowed there',
  },
});

/**
 * An HMM mirror against the OOM reaper: __oom_reap_task_mm sends a non-blockable
 * range_start (4.19+, 93065ac753e4); the mirror must trylock its mutex and fail the range
 * (-EAGAIN: the reaper skips the VMA) rather than sleep.
 */
export const hmmOomReap: Scenario = {
  name: 'hmm-oom-reap',
  description:
    'an HMM mirror faults a page in while the OOM reaper zaps the address space with a non-blockable invalidation',
  reference:
    'mm/oom_kill.c __oom_reap_task_mm, include/linux/mmu_notifier.h mmu_notifier_range_blockable, lib/test_hmm.c dmirror_interval_invalidate',
  secondary: hmm.name,
  designs: hmm.designs,
  threads: ['device', 'oom_reaper'],
  bugs: hmmBugs,
  safeBugs: {},
  build(opts) {
    const bugs = [...opts.bugs].sort();
    return {
      name: `hmm-oom-reap[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const w = driverWorld(rt, hmm, opts);
        rt.spawn('device', () => w.dev.fault(0, false));
        rt.spawn('oom_reaper', () => oomReapTaskMm(w.mm));
      },
    };
  },
};

const REMOVE_BUG = 'remove-lockless-seq-read';

/**
 * Race #14 (2022): the mirror's release (dmirror_fops_release: mmu_interval_notifier_remove,
 * then kfree) while MADV_DONTNEED's invalidation covers the subscription. The removal is
 * deferred to mn_itree_inv_end; before 319561669a59 remove's wait read invalidate_seq
 * without the lock and returned as soon as the seq moved, while mn_itree_inv_end, still
 * holding the lock, had the deferred node to unlink: in freed memory.
 */
export const hmmRemove: Scenario = {
  name: 'hmm-remove',
  description:
    'an HMM mirror removes its interval subscription and frees it while MADV_DONTNEED’s invalidation covers it (2022)',
  reference:
    '319561669a59 "mm/mmu_notifier.c: fix race in mmu_interval_notifier_remove()" (Popple, 5.18-rc4, 2022), Fixes 99cb252f5e68 (5.5)',
  secondary: hmm.name,
  designs: hmm.designs,
  threads: ['release', 'dontneed'],
  bugs: {
    [REMOVE_BUG]:
      'mmu_interval_notifier_remove waits with READ_ONCE(invalidate_seq) != seq instead of mmu_interval_seq_released() (the seq read under subscriptions->lock): it returns while mn_itree_inv_end still has the subscription on its deferred list',
  },
  safeBugs: {},
  build(opts) {
    const bugs = [...opts.bugs].sort();
    return {
      name: `hmm-remove[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const w = driverWorld(rt, hmm, { design: opts.design, bugs: [] });
        const chain = w.chain;
        const sub = w.dev.subscriber;
        if (!(chain instanceof IntervalChain && sub instanceof MmuIntervalNotifier))
          throw new Error('[mmulab internal bug] hmm-remove needs the interval design');
        rt.spawn('release', function* () {
          yield* chain.remove(sub, { locklessSeqRead: bugs.includes(REMOVE_BUG) });
          // kfree(dmirror): the subscription is embedded in it.
          yield* sub.memory.write('freed');
        });
        rt.spawn('dontneed', () => madviseDontneed(w.mm, 0, 1));
      },
    };
  },
};
