import { noTranslationToFreedPage } from '../../check/index.js';
import { type ChainOptions, makeChain } from '../../notifier/designs.js';
import { changePteBracketed, hasChangePte } from '../../primary/era.js';
import { Mm, type MmEra } from '../../primary/mm.js';
import { exitMmap } from '../../primary/ops/exit-mmap.js';
import { ksmMergePage } from '../../primary/ops/ksm.js';
import { shrinkIsolatedPage, tryToUnmap } from '../../primary/ops/reclaim.js';
import { PageAllocator, putPage } from '../../primary/page.js';
import { iommuBugs, iommuSva } from '../../secondary-mmu/iommu/iommu.js';
import { type KvmBug, kvmChangePteBugs } from '../../secondary-mmu/kvm/bugs.js';
import { Kvm } from '../../secondary-mmu/kvm/kvm.js';
import type { Runtime } from '../../sim/runtime.js';
import { claimAging, claimFailedStart } from '../claims/claims.js';
import type { Scenario, ScenarioOptions } from '../scenario.js';
import { driverWorld, INITIAL } from './driver-world.js';

/**
 * Only the first half of coherence (no SPTE or vCPU TLB entry to a freed page), with the
 * objects it reads declared, so DPOR may commute every other write (as the claims'
 * watchFreedPages): the undeclared stale-translation and pairing checks make every write
 * dependent, which these two-thread programs with long primary paths cannot afford. Each
 * bug here ends in that freed page, so only the earlier detection is lost.
 */
function watchFreedPagesKvm(rt: Runtime, mm: Mm, kvm: Kvm): void {
  rt.invariant('coherence', noTranslationToFreedPage(mm, [kvm]), [
    ...mm.pages.frames,
    mm.pages,
    mm.ptl,
    ...mm.ptes,
    ...kvm.spt,
    kvm.tlbs,
  ]);
}

/** A scenario over one fixed program, its bug flags mapped onto the world by `setup`. */
function scenario(
  s: Omit<Scenario, 'build'> & { readonly setup: (rt: Runtime, opts: ScenarioOptions) => void },
): Scenario {
  const { setup, ...meta } = s;
  return {
    ...meta,
    build(opts) {
      const bugs = [...opts.bugs].sort();
      return {
        name: `${s.name}[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
        setup: (rt) => setup(rt, opts),
      };
    },
  };
}

/**
 * Race #9/#7 in the 3.19–6.5 shape (Mm era '4.13'): reclaim's ptep_clear_flush_notify calls
 * ->invalidate_range with the PT lock held, so a flush that sleeps is caught on this path.
 * The device loads: the data-integrity check counts a store between ptep_clear_flush and the
 * secondary flush as lost, where the kernel keeps it (the IOMMU set the PTE's dirty bit when
 * it filled a writable entry, and pageout writes the page after the unmap).
 */
export const iommuReclaim413: Scenario = scenario({
  name: 'iommu-reclaim-4.13',
  description:
    'an SVA device loads while reclaim unmaps the page; 4.13–6.5 order: ptep_clear_flush_notify calls invalidate_range under the PT lock (2014–2023)',
  reference:
    'mm/rmap.c try_to_unmap_one, include/linux/mmu_notifier.h ptep_clear_flush_notify (invalidate_range, 3.19–6.5; arch_invalidate_secondary_tlbs from 6.6, Popple 2023-07-18)',
  secondary: iommuSva.name,
  designs: iommuSva.designs,
  threads: ['device', 'reclaim'],
  bugs: { 'flush-sleeps': iommuBugs['flush-sleeps'] },
  safeBugs: {
    'start-end-only':
      'reclaim puts the page only after range_end, whose flush drops the entry the IOMMU refilled after start: for loads the late flush is still in time (munmap, which frees inside its bracket, finds it)',
  },
  setup(rt, opts) {
    const w = driverWorld(rt, iommuSva, opts, { era: '4.13' });
    const page = w.mm.frame(w.pfn);
    // Isolated from the LRU and found old before the run: the isolation holds a reference.
    page.refcount++;
    rt.spawn('device', function* () {
      // One ATS translation request (the IOMMU walks the CPU page table), then a load through
      // the IOTLB. A miss would become a PRI page request: left out, the device stops.
      yield* w.dev.tlb.fill(0, () => {
        const pte = w.mm.pte(0).value;
        return pte.present ? { pfn: pte.pfn, writable: pte.write } : null;
      });
      yield* w.dev.tlb.access(0, false);
    });
    rt.spawn('reclaim', function* () {
      yield* tryToUnmap(w.mm, 0, page);
      yield* putPage(page);
    });
  },
});

/**
 * Race #8: KSM merges a page a vCPU is faulting in. The era decides what reaches KVM:
 * 2.6.32–3.6 change_pte alone under the PT lock (KVM's handler bumps mmu_invalidate_seq so a
 * fault that resolved the old pfn retries); 3.7–6.8 change_pte inside range_start/end (start
 * has zapped the SPTE, the handler finds none); 6.9+ no change_pte at all.
 */
function ksmScenario(era: MmEra, name: string): Scenario {
  const flag = 'change-pte-no-seq-bump';
  const exposed = hasChangePte(era) && !changePteBracketed(era);
  const why =
    'change_pte is bracketed (3.7+): range_start raised mmu_invalidate_in_progress and range_end bumps the seq, so the fault retries without the handler’s bump';
  return scenario({
    name,
    description: `ksmd merges a page while a vCPU load faults it in (${era} order: ${
      !hasChangePte(era)
        ? 'no change_pte, only range_start/end'
        : changePteBracketed(era)
          ? 'change_pte inside range_start/end'
          : 'change_pte under the PT lock, no bracket'
    }) (2009–2024)`,
    reference:
      'mm/ksm.c write_protect_page, replace_page (set_pte_at_notify, 2.6.32); 6bdb913f0a70 (3.7) brackets; kvm_main.c kvm_mmu_notifier_change_pte; "mm: remove change_pte" (6.9)',
    secondary: 'kvm',
    designs: ['classic'],
    threads: ['vcpu0', 'ksmd'],
    bugs: exposed ? { [flag]: kvmChangePteBugs[flag] } : {},
    // 6.9+: the handler never runs, so the flag changes nothing and is not offered.
    safeBugs: exposed || !hasChangePte(era) ? {} : { [flag]: why },
    ...(hasChangePte(era) && changePteBracketed(era)
      ? {
          catalogueSearch: {
            strategy: 'random' as const,
            runs: 3_000,
            why: 'each set_pte_at_notify adds a change_pte walk and a separate set_pte_at step inside a bracket the vCPU fault retries against: dpor needs 344,771 runs (65 s here) to finish, too long for the main job; the same fault path is verified exhaustively in kvm-ksm-merge-3.6 and kvm-ksm-merge',
          },
        }
      : {}),
    setup(rt, opts) {
      const pages = new PageAllocator(4);
      const mm = new Mm('mm', pages, {
        size: 1,
        vmas: [{ start: 0, end: 1, write: true, private: true }],
        era,
      });
      const page = mm.frame(mm.populate(0, INITIAL));
      // The stable page of the same contents: the stable tree holds its reference.
      const kpage = pages.take();
      if (!kpage) throw new Error('[mmulab internal bug] no page for the KSM stable page');
      kpage.data = INITIAL;
      const chain = makeChain(opts.design, mm, { staticSubscribers: true });
      const kvm = new Kvm(mm, new Set(opts.bugs as KvmBug[]));
      chain.registerAtSetup(kvm);
      watchFreedPagesKvm(rt, mm, kvm);
      // ksmd's scan took a reference on the page (follow_page) before the run.
      page.refcount++;
      // The vCPU's EPT violation: the fault path alone (the load after it adds nothing).
      rt.spawn('vcpu0', () => kvm.faultinPfn(0, false));
      rt.spawn('ksmd', () => ksmMergePage(mm, 0, page, kpage));
    },
  });
}

export const kvmKsmMerge36 = ksmScenario('3.6', 'kvm-ksm-merge-3.6');
export const kvmKsmMerge66 = ksmScenario('6.6', 'kvm-ksm-merge-6.6');
export const kvmKsmMerge = ksmScenario('6.9', 'kvm-ksm-merge');

/**
 * Race #6: exit_mmap's mmu_notifier_release against reclaim, which holds no mmap_lock. KVM has
 * an SPTE for the page. With the release order of 2.6.27 and 751efd8610d3 (unlink, then
 * ->release), reclaim's walk in between no longer reaches KVM: the page is freed under its
 * SPTE until ->release zaps it. Pairing is not checked: a release inside reclaim's bracket
 * leaves KVM's count raised (its end walk no longer reaches KVM), which the kernel accepts of
 * a VM whose mm is gone; nor is stale-translation (see watchFreedPagesKvm).
 */
export const kvmExitReclaim: Scenario = scenario({
  name: 'kvm-exit-reclaim',
  description:
    'exit_mmap’s mmu_notifier_release races reclaim (try_to_unmap, no mmap_lock) on a page KVM maps (2012–2013)',
  reference:
    'mm/mmu_notifier.c __mmu_notifier_release: 3ad3d901bbcf (2012), 751efd8610d3 (2013, reintroduced), d34883d4e35c (2013-05, re-fix)',
  secondary: 'kvm',
  designs: ['classic'],
  threads: ['exit', 'reclaim'],
  bugs: {
    'unlink-before-release':
      'the core unlinks each subscriber before calling its ->release (2.6.27; again from 751efd8610d3 until d34883d4e35c): an invalidation in between misses it and the page is freed while the secondary still maps it',
  },
  safeBugs: {},
  setup(rt, opts) {
    const pages = new PageAllocator(4);
    const mm = new Mm('mm', pages, { size: 1, vmas: [{ start: 0, end: 1, write: true, private: true }] });
    const pfn = mm.populate(0, INITIAL);
    const chainOpts: ChainOptions = {
      releaseOrder: opts.bugs.includes('unlink-before-release') ? 'unlink-first' : 'release-first',
    };
    const chain = makeChain(opts.design, mm, chainOpts);
    const kvm = new Kvm(mm);
    chain.registerAtSetup(kvm);
    // The guest used the page before the last aging: an SPTE, accessed bit clear.
    kvm.spt[0]!.value = { pfn, writable: true, accessed: false, dirty: false };
    watchFreedPagesKvm(rt, mm, kvm);
    const page = mm.frame(pfn);
    page.refcount++;
    rt.spawn('exit', () => exitMmap(mm));
    rt.spawn('reclaim', () => shrinkIsolatedPage(mm, 0, page));
  },
});

/**
 * Race #4 as a catalogue entry: a seed-003 claim whose bug is the design. With the flag the
 * program is built on EMM's chain (__emm_notify stops at the first non-zero return), without
 * it on the typed chain of the same workload.
 */
function emmChain(base: Scenario, name: string, description: string, reference: string): Scenario {
  const flag = 'emm-single-callback';
  return {
    name,
    description,
    reference,
    secondary: base.secondary,
    designs: ['classic'],
    threads: base.threads,
    bugs: {
      [flag]:
        "the mm's notifiers are Lameter's EMM chain (2008): one callback per notifier, and __emm_notify returns the first non-zero result for every operation",
    },
    safeBugs: {},
    build(opts) {
      const emm = opts.bugs.includes(flag);
      const p = base.build({ design: emm ? 'emm' : opts.design, bugs: [] });
      return { ...p, name: `${name}[${emm ? `emm ${flag}` : opts.design}]` };
    },
  };
}

export const emmAging = emmChain(
  claimAging,
  'emm-aging',
  'reclaim ages a page KVM and a device map: under EMM the first young answer stops the walk, so the device is never asked nor cleared (2008)',
  'Arcangeli 2008-04-02 (seed 003): "you would need to do age |= e->callback"; Lameter EMM RFC 2008-03-03',
);

export const emmFailedStart = emmChain(
  claimFailedStart,
  'emm-failed-start',
  "the OOM reaper's range_start fails on the second subscriber: under EMM the walk stops there and the first keeps its start open (2008 design; the failure rule of 4.19–5.11 in claim-failed-start +core-pre-5.12)",
  'Lameter EMM patch set 2008-04-01 (__emm_notify); historical_races #4, #11',
);

/** The races the kernel-era settings and the designs make expressible (docs/races.md). */
export const eraRaces: readonly Scenario[] = [
  iommuReclaim413,
  kvmKsmMerge36,
  kvmKsmMerge66,
  kvmKsmMerge,
  kvmExitReclaim,
  emmAging,
  emmFailedStart,
];
