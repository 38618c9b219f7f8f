import { watchCoherence } from '../../check/index.js';
import { makeChain } from '../../notifier/designs.js';
import { Mm } from '../../primary/mm.js';
import { madviseDontneed } from '../../primary/ops/madvise.js';
import { PageAllocator } from '../../primary/page.js';
import { KvmMemslots, memslotBugs } from '../../secondary-mmu/kvm/memslots.js';
import { gpcBugs, KvmGpc } from '../../secondary-mmu/kvm/pfncache.js';
import type { Scenario } from '../scenario.js';

const BUG = 'memslot-update-in-bracket';

/**
 * Race #12 (2021): MADV_DONTNEED's bracket on an hva that no memslot covers yet, while
 * userspace creates the memslot. Without mn_active_invalidate_count, range_start skips
 * kvm_mmu_invalidate_begin (no overlap) and range_end, seeing the new slot, runs
 * kvm_mmu_invalidate_end: mmu_invalidate_in_progress goes to -1.
 */
export const kvmMemslot: Scenario = {
  name: 'kvm-memslot',
  description:
    'userspace creates a KVM memslot (KVM_SET_USER_MEMORY_REGION) while MADV_DONTNEED’s notifier bracket is open on its hva (2021)',
  reference:
    '52ac8b358b0c "KVM: Block memslot updates across range_start() and range_end()" (5.14, 2021), after 071064f14d87 "KVM: Don\'t take mmu_lock for range invalidation unless necessary" (5.13)',
  secondary: 'kvm',
  designs: ['classic'],
  threads: ['dontneed', 'set_memory_region'],
  bugs: { [BUG]: memslotBugs[BUG] },
  safeBugs: {},
  build(opts) {
    const bugs = [...opts.bugs].sort();
    return {
      name: `kvm-memslot[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const mm = new Mm('mm', new PageAllocator(4), {
          size: 1,
          vmas: [{ start: 0, end: 1, write: true, private: true }],
          gatherCapacity: 8,
        });
        mm.populate(0, 7);
        const chain = makeChain(opts.design, mm, { staticSubscribers: true });
        const kvm = new KvmMemslots(mm, false, bugs.includes(BUG));
        chain.registerAtSetup(kvm);
        watchCoherence(rt, mm, chain, [kvm]);
        rt.spawn('dontneed', () => madviseDontneed(mm, 0, 1));
        rt.spawn('set_memory_region', () => kvm.setMemoryRegion(true));
      },
    };
  },
};

const GPC_BUG = 'gpc-checks-in-progress';

/**
 * Race #13 (2022): a gfn_to_pfn_cache refresh against MADV_DONTNEED of the cached page. The
 * cache is invalidated at the top of range_start, before mmu_invalidate_in_progress goes up,
 * so a refresh that tests in_progress can validate the cache in that gap with the page the
 * primary then frees.
 */
export const kvmPfncache: Scenario = {
  name: 'kvm-pfncache',
  description:
    'KVM refreshes a gfn→pfn cache (a kernel mapping of a guest page) while MADV_DONTNEED zaps and frees that page (2022)',
  reference:
    '58cd407ca4c6 "KVM: Fix multiple races in gfn=>pfn cache refresh" (Christopherson, 5.19, 2022; lkml "[PATCH v2 6/8]" 2022-04-27), virt/kvm/pfncache.c mmu_notifier_retry_cache',
  secondary: 'kvm',
  designs: ['classic'],
  threads: ['gpc_refresh', 'dontneed'],
  bugs: { [GPC_BUG]: gpcBugs[GPC_BUG] },
  safeBugs: {},
  catalogueSearch: {
    strategy: 'random',
    runs: 10_000,
    why: 'the refresh’s retry loop reruns get_user_pages each time the count or the seq moves, and the checks make every pair of writes dependent: dpor passes 50,000 runs of the fix without finishing (the bug: dpor finds it after 33,103 runs, random after 6)',
  },
  build(opts) {
    const bugs = [...opts.bugs].sort();
    return {
      name: `kvm-pfncache[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
      setup(rt) {
        const mm = new Mm('mm', new PageAllocator(4), {
          size: 1,
          vmas: [{ start: 0, end: 1, write: true, private: true }],
          gatherCapacity: 1,
        });
        mm.populate(0, 7);
        const chain = makeChain(opts.design, mm, { staticSubscribers: true });
        const kvm = new KvmGpc(mm, bugs.includes(GPC_BUG));
        chain.registerAtSetup(kvm);
        watchCoherence(rt, mm, chain, [kvm]);
        rt.spawn('gpc_refresh', () => kvm.gpcRefresh(0));
        rt.spawn('dontneed', () => madviseDontneed(mm, 0, 1));
      },
    };
  },
};
