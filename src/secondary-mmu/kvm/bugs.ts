import { MmulabError } from '../../errors.js';

/** Bug variants of the KVM model: each a flag on the one driver, saying what the code gets wrong. */
export type KvmBug = 'no-retry-check' | 'seq-bump-at-start' | 'zap-outside-lock' | 'put-page-before-flush';

export const kvmBugs: Readonly<Record<KvmBug, string>> = {
  'no-retry-check':
    'the vCPU fault installs the SPTE without checking mmu_invalidate_in_progress / mmu_invalidate_seq (the check KVM has had since the notifiers were merged, 2.6.27)',
  'seq-bump-at-start':
    'mmu_invalidate_seq is bumped in invalidate_range_start instead of range_end, so a fault that snapshots the seq inside the bracket and checks after it passes (on the fault path before 6.10: the lockless pre-check of 6.10 alone closes this window under sequential consistency, so the variant drops it)',
  'zap-outside-lock':
    'invalidate_range_start unmaps the SPTEs before taking mmu_lock and raising in_progress, so a fault that passed its check in between installs an SPTE the invalidation never sees',
  'put-page-before-flush':
    "invalidate_range_start zaps the SPTEs but leaves the remote TLB flush to range_end, the single flush at the end of seed 003 (Arcangeli, 2008-04-02): the primary may put the page (free it, or change its PTE) before a vCPU's TLB is flushed",
};

export function parseKvmBugs(names: readonly string[]): Set<KvmBug> {
  const out = new Set<KvmBug>();
  for (const n of names) {
    if (!(n in kvmBugs)) {
      throw new MmulabError(
        'MMULAB_UNKNOWN_BUG',
        `unknown bug '${n}' (valid: ${Object.keys(kvmBugs).join(', ')})`,
      );
    }
    out.add(n as KvmBug);
  }
  return out;
}
