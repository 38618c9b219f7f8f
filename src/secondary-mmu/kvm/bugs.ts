import { MmulabError } from '../../errors.js';

/** Bug variants of the KVM model: each a flag on the one driver, saying what the code gets wrong. */
export type KvmBug =
  | 'no-retry-check'
  | 'seq-bump-at-start'
  | 'zap-outside-lock'
  | 'put-page-before-flush'
  | KvmChangePteBug;

/**
 * Flags of KVM's change_pte handler, kept apart from kvmBugs: only a primary whose era calls
 * change_pte (before 6.9) runs the handler, so only the KSM scenarios expose them.
 */
export type KvmChangePteBug = 'change-pte-no-seq-bump';

export const kvmChangePteBugs: Readonly<Record<KvmChangePteBug, string>> = {
  'change-pte-no-seq-bump':
    'kvm_mmu_notifier_change_pte without mmu_invalidate_seq++: the 5.13–6.8 handler (Christopherson, 2021: change_pte "must be surrounded by invalidate_range_{start,end}", so the bump went), on a primary whose set_pte_at_notify is not bracketed (before 3.7, 6bdb913f0a70): a vCPU fault that resolved the old pfn before KSM replaced the PTE passes its check and maps the old page',
};

export const kvmBugs: Readonly<Record<Exclude<KvmBug, KvmChangePteBug>, string>> = {
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
