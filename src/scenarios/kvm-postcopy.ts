import { watchCoherence } from '../check/index.js';
import { makeChain } from '../notifier/designs.js';
import { Mm } from '../primary/mm.js';
import { madviseDontneed } from '../primary/ops/madvise.js';
import { PageAllocator } from '../primary/page.js';
import { PrimaryUffdCtx } from '../primary/userfaultfd/primary-ctx.js';
import { Kvm } from '../secondary-mmu/kvm/kvm.js';
import type { Sim } from '../sim/step.js';
import { fail } from '../sim/violation.js';
import type { Scenario } from './scenario.js';

/** The page's contents on the migration source: what the manager copies in. */
const SOURCE_DATA = 42;

export const postcopyBugs = {
  'copy-dontwake':
    'the manager resolves a fault with UFFDIO_COPY_MODE_DONTWAKE and never issues UFFDIO_WAKE: the vCPU sleeps on a page that is present (a lost wakeup)',
  'must-wait-before-queue':
    "handle_userfault() checks the PTE before queueing on fault_pending_wqh, not after (the order userfaultfd_must_wait()'s comment requires): the manager's background COPY and its wake land in between, the later COPY for the message fails EEXIST, and nobody wakes the vCPU",
  'copy-after-remove':
    'the manager keeps serving the source page after it read a REMOVE event for the range (a balloon inflation): the guest reads pre-balloon data from a page it gave back, where it must read zeros',
} as const;

export type PostcopyBug = keyof typeof postcopyBugs;

/**
 * The postcopy manager (QEMU's postcopy_ram_fault_thread): it pushes the page in the background
 * (a COPY without a request), then serves messages: a PAGEFAULT gets the source page, or zeros
 * once the range was discarded by a REMOVE; an EAGAIN (an event in flight) is retried after the
 * the next message or once the event is over; EEXIST means the page is already there and the kernel has woken its faults.
 */
function* manager(ctx: PrimaryUffdCtx, mm: Mm, bugs: ReadonlySet<PostcopyBug>): Sim<void> {
  let removed = false;
  const owed = new Set<'background' | 'fault'>(['background']);
  for (;;) {
    for (const what of [...owed]) {
      if (what === 'background' && removed) {
        owed.delete(what);
        continue;
      }
      const data = removed && !bugs.has('copy-after-remove') ? 0 : SOURCE_DATA;
      const dontwake = what === 'fault' && bugs.has('copy-dontwake');
      const r = yield* ctx.copy(mm, 0, data, dontwake);
      if (r !== 'EAGAIN') owed.delete(what);
    }
    // poll(): a message, or (with a COPY owed) the end of the event that made it EAGAIN.
    const owing = owed.size > 0;
    yield* ctx.q.sleepUntil('manager: poll', () => ctx.hasMessage() || (owing && ctx.mmapChanging === 0));
    if (!ctx.hasMessage()) continue;
    const m = yield* ctx.read();
    if (m.event === 'REMOVE') removed = true;
    else owed.add('fault');
  }
}

/**
 * kvm-postcopy: guest memory (one page, gfn 0) registered MISSING with a userfaultfd, not yet
 * migrated; the vCPU's access faults through KVM's gup into handle_userfault() and sleeps; the
 * manager resolves it with UFFDIO_COPY; a balloon MADV_DONTNEED (EVENT_REMOVE) races on the page.
 * Checks: no SPTE to a freed page and no stale SPTE (watchCoherence); the guest reads the
 * source page, or zeros once the balloon has discarded it; a fault that is resolved always
 * wakes (a vCPU left asleep ends the run as a deadlock).
 */
export const kvmPostcopy: Scenario = {
  name: 'kvm-postcopy',
  description:
    'postcopy live migration: a vCPU faults on a missing page through gup into a userfaultfd, the manager resolves it with UFFDIO_COPY, a balloon MADV_DONTNEED races on the page',
  reference:
    'fs/userfaultfd.c handle_userfault/userfaultfd_must_wait/userfaultfd_remove, mm/userfaultfd.c mfill_atomic_copy, mm/madvise.c; QEMU migration/postcopy-ram.c; seed 000',
  secondary: 'kvm',
  designs: ['classic'],
  bugs: postcopyBugs,
  safeBugs: {},
  catalogueSearch: {
    strategy: 'random',
    runs: 20_000,
    why: 'three threads with blocking uffd reads and a retrying fault path: dpor does not finish within 1,000,000 runs',
  },
  threads: ['vcpu0', 'manager', 'balloon'],
  build(opts) {
    const bugs = new Set(opts.bugs as PostcopyBug[]);
    const sorted = [...bugs].sort();
    return {
      name: `kvm-postcopy[${opts.design}${sorted.length ? ` ${sorted.join(',')}` : ''}]`,
      setup(rt) {
        const ctx = new PrimaryUffdCtx({ mustWaitBeforeQueue: bugs.has('must-wait-before-queue') });
        const pages = new PageAllocator(4);
        const mm = new Mm('mm', pages, {
          size: 1,
          vmas: [{ start: 0, end: 1, write: true, private: true, uffd: ctx }],
          gatherCapacity: 1,
        });
        const chain = makeChain(opts.design, mm);
        const kvm = new Kvm(mm, new Set());
        chain.registerAtSetup(kvm);
        let balloonDone = false;
        // Inside the access step, before it reads: the value the guest is about to see.
        kvm.onGuestAccess = (a) => {
          if (a.write) return;
          const v = mm.frame(a.pfn).data;
          if (v !== SOURCE_DATA && v !== 0) {
            fail('guest-data', `the guest read ${v} from gfn ${a.gfn}: neither the source page nor zeros`);
          }
          if (balloonDone && v !== 0) {
            fail(
              'guest-data',
              `the guest read the source page (${v}) from gfn ${a.gfn} after the balloon discarded it: a stale COPY`,
            );
          }
        };
        watchCoherence(rt, mm, chain, [kvm]);
        rt.spawn('vcpu0', function* () {
          for (let i = 0; i < 2; i++) yield* kvm.guestAccess(0, 0, false);
        });
        rt.spawn('manager', () => manager(ctx, mm, bugs), { daemon: true });
        rt.spawn('balloon', function* () {
          yield* ctx.remove(mm, 0, 1);
          yield* madviseDontneed(mm, 0, 1);
          balloonDone = true;
        });
      },
    };
  },
};
