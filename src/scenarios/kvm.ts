import { AgingOracle } from '../check/aging.js';
import { watchCoherence } from '../check/index.js';
import { checkSecondaryWrite } from '../check/integrity.js';
import type { MmuNotifierChain } from '../notifier/chain.js';
import { makeChain } from '../notifier/designs.js';
import { Mm } from '../primary/mm.js';
import { fork } from '../primary/ops/fork.js';
import { madviseDontneed } from '../primary/ops/madvise.js';
import { munmap } from '../primary/ops/munmap.js';
import { shrinkIsolatedPage } from '../primary/ops/reclaim.js';
import { PageAllocator } from '../primary/page.js';
import { kvmBugs, parseKvmBugs } from '../secondary-mmu/kvm/bugs.js';
import { Kvm } from '../secondary-mmu/kvm/kvm.js';
import type { Runtime } from '../sim/runtime.js';
import type { Sim } from '../sim/step.js';
import type { Scenario, ScenarioOptions } from './scenario.js';

/** The value a guest store writes; the page starts with INITIAL. */
const GUEST_VALUE = 1;
const INITIAL = 7;

interface KvmWorld {
  readonly mm: Mm;
  readonly chain: MmuNotifierChain;
  readonly kvm: Kvm;
  readonly pfn: number;
  readonly aging: AgingOracle;
}

/**
 * One anonymous private page at address 0, faulted in and aged out (PTE present, writable,
 * not young), a VM whose memslot maps gfn 0 to it with no SPTE yet, registered on the mm
 * before the run. The checks watch every step.
 */
function kvmWorld(rt: Runtime, opts: ScenarioOptions, gatherCapacity = 8, spte = false): KvmWorld {
  const bugs = parseKvmBugs(opts.bugs);
  const pages = new PageAllocator(4);
  const mm = new Mm('mm', pages, {
    size: 1,
    vmas: [{ start: 0, end: 1, write: true, private: true }],
    gatherCapacity,
  });
  const pfn = mm.populate(0, INITIAL);
  const chain = makeChain(opts.design, mm);
  const kvm = new Kvm(mm, bugs);
  chain.registerAtSetup(kvm);
  // The guest touched the page before its last aging: an SPTE with the accessed bit clear.
  if (spte) kvm.spt[0]!.value = { pfn, writable: true, accessed: false, dirty: false };
  const aging = new AgingOracle();
  kvm.onGuestAccess = (a) => {
    aging.noteAccess(a.pfn);
    if (a.write) checkSecondaryWrite(mm, chain, `kvm vcpu${a.vcpu}`, a.gfn, a.pfn, a.value);
  };
  watchCoherence(rt, mm, chain, [kvm]);
  return { mm, chain, kvm, pfn, aging };
}

/**
 * The vCPU's stores. Without an SPTE at setup the first store is an EPT violation whatever
 * the schedule (nothing else creates SPTEs), so the thread begins in the fault path.
 */
function* guestStores(w: KvmWorld, n: number, faultFirst: boolean): Sim<void> {
  if (faultFirst && !(yield* w.kvm.faultinPfn(0, true))) return;
  for (let i = 0; i < n; i++) yield* w.kvm.guestAccess(0, 0, true, GUEST_VALUE + i);
}

const allKvmBugs = Object.keys(kvmBugs);
const pick = (names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, kvmBugs[n as keyof typeof kvmBugs]]));

function kvmScenario(
  s: Omit<Scenario, 'secondary' | 'designs' | 'bugs' | 'safeBugs' | 'build'> & {
    readonly safe?: Readonly<Record<string, string>>;
    readonly gatherCapacity?: number;
    /** Guest stores the vCPU makes (a second one may hit a TLB entry the first filled). */
    readonly stores?: number;
    /** Start with an SPTE for the page (accessed bit clear). */
    readonly spte?: boolean;
    readonly body: (w: KvmWorld) => Sim<unknown>;
  },
): Scenario {
  const safe = s.safe ?? {};
  return {
    name: s.name,
    description: s.description,
    reference: s.reference,
    threads: s.threads,
    secondary: 'kvm',
    designs: ['classic'],
    bugs: pick(allKvmBugs.filter((b) => !(b in safe))),
    safeBugs: safe,
    build(opts) {
      const bugs = [...opts.bugs].sort();
      return {
        name: `${s.name}[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
        setup(rt) {
          const w = kvmWorld(rt, opts, s.gatherCapacity, s.spte);
          rt.spawn(s.threads[0]!, () => guestStores(w, s.stores ?? 1, !s.spte));
          rt.spawn(s.threads[1]!, () => s.body(w));
        },
      };
    },
  };
}

export const kvmMunmap: Scenario = kvmScenario({
  name: 'kvm-munmap',
  description: 'a vCPU store faults in a shadow PTE while munmap() unmaps and frees the page',
  reference:
    'mm/mmap.c unmap_region, virt/kvm/kvm_main.c kvm_mmu_notifier_invalidate_range_start/end, x86 kvm_faultin_pfn; seed 003',
  threads: ['vcpu0', 'munmap'],
  // The gather holds one page: it flushes and frees inside the bracket, as a full batch does.
  gatherCapacity: 1,
  body: (w) => munmap(w.mm, 0, 1),
});

export const kvmDontneed: Scenario = kvmScenario({
  name: 'kvm-dontneed',
  description:
    'a vCPU store faults in a shadow PTE while MADV_DONTNEED (mmap_lock for read) zaps and frees the page',
  reference: 'mm/madvise.c madvise_dontneed_single_vma, mm/memory.c zap_page_range_single; kvm_main.c',
  threads: ['vcpu0', 'dontneed'],
  gatherCapacity: 1,
  body: (w) => madviseDontneed(w.mm, 0, 1),
});

export const kvmForkCow: Scenario = kvmScenario({
  name: 'kvm-fork-cow',
  description: 'a guest store through a shadow PTE races with fork() write-protecting the page for COW',
  reference:
    'kernel/fork.c dup_mmap, mm/memory.c copy_present_pte and wp_page_copy (MMU_NOTIFY_PROTECTION_PAGE)',
  threads: ['vcpu0', 'fork'],
  stores: 2,
  body: (w) => fork(w.mm, 'child'),
});

export const kvmReclaimAging: Scenario = kvmScenario({
  name: 'kvm-reclaim-aging',
  description:
    'reclaim ages a page the guest maps (folio_referenced with clear_flush_young) and unmaps it to swap, while a vCPU stores to it',
  reference:
    'mm/vmscan.c shrink_folio_list, mm/rmap.c folio_referenced_one and try_to_unmap_one; kvm_age_gfn',
  threads: ['vcpu0', 'reclaim'],
  spte: true,
  stores: 2,
  body: (w) => {
    // Isolated from the LRU before the run: the isolation holds a reference.
    const page = w.mm.frame(w.pfn);
    page.refcount++;
    return shrinkIsolatedPage(w.mm, 0, page, w.aging);
  },
});
