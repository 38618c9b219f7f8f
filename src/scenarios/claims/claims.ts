import { AgingOracle } from '../../check/aging.js';
import { checkSecondaryWrite } from '../../check/integrity.js';
import { IntervalChain } from '../../notifier/designs/interval.js';
import { madviseDontneed } from '../../primary/ops/madvise.js';
import { pageReferenced, tryToUnmap } from '../../primary/ops/reclaim.js';
import { putPage } from '../../primary/page.js';
import { kvmBugs, parseKvmBugs } from '../../secondary-mmu/kvm/bugs.js';
import { Kvm } from '../../secondary-mmu/kvm/kvm.js';
import { fail } from '../../sim/violation.js';
import type { Scenario } from '../scenario.js';
import { Device } from './device.js';
import { oomReapTaskMm } from './oom-reap.js';
import { claimScenario, claimWorld, deviceView, watch, watchFreedPages } from './world.js';

const SEED = 'seed 003 (Arcangeli, "Re: [patch 1/9] EMM Notifier: The notifier calls", 2008-04-02)';

/**
 * Claim 1: aging must OR the young bits of every secondary and clear each one's state. KVM
 * (its SPTE accessed since the last aging) and a device are both registered; reclaim ages
 * the page while the device touches it. After folio_referenced returns, a secondary whose
 * accessed state survived (with no access since the walk began) was never aged: its next
 * aging reports an access that did not happen, and the page is never found idle.
 */
export const claimAging: Scenario = claimScenario({
  name: 'claim-aging',
  description:
    'reclaim ages a page mapped by KVM and by a device (clear_flush_young): young must be the OR of both, and both cleared',
  reference: `${SEED}: "you would need to do age |= e->callback"; mm/rmap.c folio_referenced_one; spec §3.6, §11.2`,
  secondary: 'kvm + device',
  threads: ['reclaim', 'device'],
  bugs: {},
  spawn(rt, opts) {
    const w = claimWorld(opts, 1);
    const pfn = w.pfns[0]!;
    // The device registers on the hlist even with the interval design: interval
    // subscriptions have no aging callbacks.
    const dev = new Device('dev', w.mm, w.chain, { sync: 'range-counter' });
    w.chain.registerAtSetup(dev);
    dev.tlb.entries.set(0, { pfn, accessed: false });
    const kvm = new Kvm(w.mm);
    w.chain.registerAtSetup(kvm);
    // The guest touched the page since its last aging: the SPTE's accessed bit is set.
    kvm.spt[0]!.value = { pfn, writable: true, accessed: true, dirty: false };
    const aging = new AgingOracle();
    aging.noteAccess(pfn);
    let walkBegan = false;
    let devAccessedSince = false;
    watch(rt, w, [kvm, deviceView(dev)]);
    return [
      function* () {
        // The walk's beginning as a step on the device TLB, so the explorer orders the
        // device's access against it (the oracle's "since the walk began" is a ghost).
        yield* dev.peek(0);
        walkBegan = true;
        aging.begin(pfn);
        const young = yield* pageReferenced(w.mm, 0, w.mm.frame(pfn));
        aging.end(pfn, young);
        // Read with steps, so the explorer orders this check against the accesses.
        const spte = yield* kvm.spt[0]!.read();
        const entry = yield* dev.peek(0);
        if (spte?.accessed) {
          fail('aging', `kvm's SPTE for gfn 0 is still accessed after clear_flush_young: kvm was never aged`);
        }
        if (entry?.accessed && !devAccessedSince) {
          fail(
            'aging',
            `dev's TLB entry for address 0 is still accessed after clear_flush_young: dev was never aged`,
          );
        }
      },
      function* () {
        const p = yield* dev.access(0);
        if (p !== null) {
          aging.noteAccess(p);
          if (walkBegan) devAccessedSince = true;
        }
      },
    ];
  },
});

/**
 * The registration race of seed 003 point 1 (Arcangeli 2008-04-03, catalogue #2): reclaim's
 * try_to_unmap holds the anon_vma lock, not mmap_lock, across its bracket; a GRU-like device
 * registers and faults the page in meanwhile. Reclaim then frees the page.
 */
function registrationRace(name: string, fault: boolean): Scenario {
  return claimScenario({
    name,
    description: fault
      ? 'a device registers and faults in a page while reclaim (try_to_unmap, no mmap_lock) unmaps and frees it'
      : 'a device registers while reclaim (try_to_unmap) is between range_start and range_end',
    reference: fault
      ? `${SEED}, point 1; Arcangeli 2008-04-03 (GRU interleaving); commit 7906d00cd1f6 mm_take_all_locks; spec §6`
      : `${SEED}, point 2: "I'm uncertain how the driver can handle a range_end called before range_begin"`,
    secondary: 'device (GRU-like)',
    threads: ['reclaim', 'device'],
    bugs: fault
      ? {}
      : {
          'assumes-pairing':
            'the device decrements its range counter in every range_end, assuming a matching range_start reached it',
        },
    // An end without a start needs a registration that lands between the two walks: classic
    // and interval exclude it, seqlock-register (seed 003's #v10) does not.
    ...(fault ? {} : { catalogueDesign: 'seqlock-register' }),
    spawn(rt, opts, bugs) {
      const w = claimWorld(opts, 1);
      const page = w.mm.frame(w.pfns[0]!);
      // Another interval user already set has_itree: this insert takes no mm_take_all_locks,
      // the itree's seq alone must protect it.
      if (w.chain instanceof IntervalChain) w.chain.hasItree = true;
      const dev = new Device('dev', w.mm, w.chain, {
        sync: 'range-counter',
        assumesPairing: bugs.has('assumes-pairing'),
        fastOnly: true,
      });
      // With a fault the consequence is a TLB entry to the freed page (declared reads keep
      // the search small); without one, what breaks is the pairing of start and end.
      if (fault) watchFreedPages(rt, w, dev);
      else watch(rt, w, [deviceView(dev)]);
      // Isolated from the LRU before the run: the isolation holds a reference.
      page.refcount++;
      return [
        function* () {
          yield* tryToUnmap(w.mm, 0, page);
          yield* putPage(page);
        },
        function* () {
          yield* dev.register();
          if (fault) yield* dev.fault(0);
        },
      ];
    },
  });
}

export const claimRegisterRace: Scenario = registrationRace('claim-register-race', true);
export const claimEndWithoutStart: Scenario = registrationRace('claim-end-without-start', false);

/**
 * Claim 4: MADV_DONTNEED (mmap_lock for read) on page 0 and reclaim (anon_vma lock) on page 1
 * open their brackets at once while the device faults page 0. A seqcount write-opened in start and closed in end is
 * even again with two starts open; a recursive rwsem holds the fault off until both end.
 */
export const claimParallelStarts: Scenario = claimScenario({
  name: 'claim-parallel-starts',
  description:
    'MADV_DONTNEED and reclaim open range_start at once while a device faults: the device holds faults off with a recursive rwsem (or a global seqcount)',
  reference: `${SEED}, point 2: "you can't seqlock_write in range_begin and sequnlock_write in range_end"`,
  secondary: 'device',
  threads: ['dontneed', 'reclaim', 'device'],
  bugs: {
    'global-seqcount':
      'the device write-opens one global seqcount in range_start and closes it in range_end, instead of the recursive rwsem',
  },
  spawn(rt, opts, bugs) {
    const w = claimWorld(opts, 2);
    const dev = new Device('dev', w.mm, w.chain, {
      sync: bugs.has('global-seqcount') ? 'global-seqcount' : 'recursive-rwsem',
      fastOnly: true,
      mirrors: { start: 0, end: 1 },
    });
    dev.registerAtSetup();
    watchFreedPages(rt, w, dev);
    const page1 = w.mm.frame(w.pfns[1]!);
    page1.refcount++;
    return [
      () => madviseDontneed(w.mm, 0, 1),
      function* () {
        yield* tryToUnmap(w.mm, 1, page1);
        yield* putPage(page1);
      },
      () => dev.fault(0),
    ];
  },
});

/**
 * Claim 5: the page must not reach the free list before the secondary TLB flush. KVM with
 * the flush in range_start is correct; put-page-before-flush leaves it to range_end, the
 * single flush seed 003 proposes, while zap frees the page inside the bracket.
 */
export const claimPutPageBeforeFlush: Scenario = claimScenario({
  name: 'claim-put-page-before-flush',
  description:
    'a vCPU store races MADV_DONTNEED, whose full gather frees the page inside the bracket; KVM flushes its TLBs in range_start (or, with the bug, in range_end)',
  reference: `${SEED}: "The above ordering is unsafe if the page could ever reach the freelist before the tlb flush happened"`,
  secondary: 'kvm',
  threads: ['vcpu0', 'dontneed'],
  bugs: { 'put-page-before-flush': kvmBugs['put-page-before-flush'] },
  spawn(rt, opts, bugs) {
    const w = claimWorld(opts, 1, 1);
    const kvm = new Kvm(w.mm, parseKvmBugs([...bugs]));
    w.chain.registerAtSetup(kvm);
    kvm.onGuestAccess = (a) => {
      if (a.write) checkSecondaryWrite(w.mm, w.chain, `kvm vcpu${a.vcpu}`, a.gfn, a.pfn, a.value);
    };
    watch(rt, w, [kvm]);
    return [
      function* () {
        if (!(yield* kvm.faultinPfn(0, true))) return;
        yield* kvm.guestAccess(0, 0, true, 1);
      },
      () => madviseDontneed(w.mm, 0, 1),
    ];
  },
});

/**
 * Claim 6: one subscriber's failure must not skip the others' invalidation or leave their
 * start open. The OOM reaper's non-blockable start reaches KVM, then a device whose start
 * must sleep and so fails with -EAGAIN. The reaper skips the VMA and sends no range_end.
 */
export const claimFailedStart: Scenario = claimScenario({
  name: 'claim-failed-start',
  description:
    "the OOM reaper's non-blockable range_start reaches KVM, then a device that must sleep and fails with -EAGAIN, while a vCPU stores",
  reference:
    'mm/oom_kill.c __oom_reap_task_mm; mm/mmu_notifier.c mn_hlist_invalidate_range_start (≈5.12 failure rule), mn_itree_invalidate; spec §11.2.6; historical_races #11',
  secondary: 'kvm + device',
  threads: ['vcpu0', 'oom_reaper'],
  bugs: {
    'core-pre-5.12':
      'the core of 4.19–5.11 (93065ac753e4): every start is called, the failure returned, and the subscribers whose start succeeded never get their end (classic design only; fixed ≈5.12, Christopherson 2021-03-11)',
  },
  spawn(rt, opts, bugs) {
    const w = claimWorld(opts, 1, 8, undefined, bugs.has('core-pre-5.12') ? { startFailure: 'no-end' } : {});
    const dev = new Device('dev', w.mm, w.chain, { sync: 'range-counter', sleepsInStart: true });
    dev.registerAtSetup();
    const kvm = new Kvm(w.mm);
    w.chain.registerAtSetup(kvm);
    watch(rt, w, [kvm, deviceView(dev)]);
    return [
      function* () {
        if (!(yield* kvm.faultinPfn(0, true))) return;
        yield* kvm.guestAccess(0, 0, true, 1);
      },
      () => oomReapTaskMm(w.mm),
    ];
  },
});

/** The claims in seed 003's order. */
export const claimScenarios: readonly Scenario[] = [
  claimAging,
  claimRegisterRace,
  claimEndWithoutStart,
  claimParallelStarts,
  claimPutPageBeforeFlush,
  claimFailedStart,
];

/**
 * The bug flags that still change the program under `design`: with the interval design the
 * device subscribes through mmu_interval_notifier, so its own sync (global-seqcount or the
 * recursive rwsem) is not used. A comparison runs such a cell once.
 */
export function effectiveBugs(scenario: string, design: string, bugs: readonly string[]): readonly string[] {
  if (scenario === claimParallelStarts.name && design === 'interval')
    return bugs.filter((b) => b !== 'global-seqcount');
  return bugs;
}
