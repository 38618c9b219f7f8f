/**
 * A userfaultfd context on the page-number primary (src/primary/mm.ts), at the grain the explorer
 * races: handle_userfault() queues its waiter, checks the PTE, drops mmap_lock and sleeps;
 * UFFDIO_COPY allocates and fills a page, installs it under the PT lock if the PTE is still none,
 * then wakes the range; MADV_DONTNEED's userfaultfd_remove() raises mmap_changing, queues REMOVE
 * and sleeps until a read completes it (fs/userfaultfd.c, mm/userfaultfd.c, 6.18). The queues
 * are one object: every queue operation is one step on it, and each sleep is a step on it enabled
 * by its wake-up condition, so DPOR sees every wake as dependent on the sleep it ends.
 */

import type { Sim } from '../../sim/step.js';
import { downRead, upRead } from '../../sim/sync/rwsem.js';
import { spinLockSection } from '../../sim/sync/spinlock.js';
import type { Mm } from '../mm.js';
import { allocPage, putPage } from '../page.js';
import { mkPte } from '../pte.js';
import type { VmaUserfaultfd } from '../vma.js';
import { KernelLock } from './kernel.js';

export type PrimaryUffdMsg =
  | { readonly event: 'PAGEFAULT'; readonly addr: number; readonly write: boolean }
  | { readonly event: 'REMOVE'; readonly start: number; readonly end: number };

interface FaultWaiter {
  readonly msg: Extract<PrimaryUffdMsg, { event: 'PAGEFAULT' }>;
  waken: boolean;
}

interface EventWaiter {
  readonly msg: Extract<PrimaryUffdMsg, { event: 'REMOVE' }>;
  done: boolean;
}

/** Kernel bug variants of the userfaultfd side. */
export interface PrimaryUffdBugs {
  /**
   * handle_userfault() checks the PTE *before* queueing its waiter (the order
   * userfaultfd_must_wait()'s comment forbids): a COPY and its wake between the check and the
   * queueing find nobody to wake, and the fault sleeps on a page that is already there.
   */
  readonly mustWaitBeforeQueue: boolean;
}

export class PrimaryUffdCtx implements VmaUserfaultfd {
  readonly missing = true;
  /** fault_pending_wqh, fault_wqh, event_wqh and mmap_changing, as one object. */
  readonly q = new KernelLock();
  readonly faultPending: FaultWaiter[] = [];
  readonly fault: FaultWaiter[] = [];
  readonly events: EventWaiter[] = [];
  mmapChanging = 0;
  /** UFFD_FEATURE_EVENT_REMOVE */
  eventRemove = true;

  constructor(readonly bugs: PrimaryUffdBugs = { mustWaitBeforeQueue: false }) {}

  *handleUserfault(mm: Mm, addr: number, write: boolean): Sim<'VM_FAULT_RETRY'> {
    const w: FaultWaiter = { msg: { event: 'PAGEFAULT', addr, write }, waken: false };
    let mustWait: boolean;
    if (this.bugs.mustWaitBeforeQueue) {
      mustWait = !(yield* mm.pte(addr).read()).present;
      yield* this.q.atomic('handle_userfault: __add_wait_queue(fault_pending_wqh)', () =>
        this.faultPending.push(w),
      );
    } else {
      // __add_wait_queue + set_current_state, then userfaultfd_must_wait() rechecks the PTE.
      yield* this.q.atomic('handle_userfault: __add_wait_queue(fault_pending_wqh)', () =>
        this.faultPending.push(w),
      );
      mustWait = !(yield* mm.pte(addr).read()).present;
    }
    yield* upRead(mm.mmapLock);
    if (mustWait) yield* this.q.sleepUntil('handle_userfault: schedule', () => w.waken);
    yield* this.q.atomic('handle_userfault: list_del', () => this.forget(w));
    return 'VM_FAULT_RETRY';
  }

  private forget(w: FaultWaiter): void {
    for (const list of [this.faultPending, this.fault]) {
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** userfaultfd_poll() of an O_NONBLOCK file: EPOLLIN. */
  hasMessage(): boolean {
    return this.faultPending.length + this.events.length > 0;
  }

  /** userfaultfd_ctx_read(): a blocking read of one message (faults before events). */
  *read(): Sim<PrimaryUffdMsg> {
    for (;;) {
      yield* this.q.sleepUntil('userfaultfd_read: schedule', () => this.hasMessage());
      const m = yield* this.q.atomic('userfaultfd_ctx_read', (): PrimaryUffdMsg | null => {
        const f = this.faultPending.shift();
        if (f) {
          this.fault.push(f);
          return f.msg;
        }
        const e = this.events.shift();
        if (!e) return null;
        e.done = true;
        return e.msg;
      });
      if (m) return m;
    }
  }

  /** wake_userfault(): wakes the faults on [start, end). */
  *wake(start: number, end: number): Sim<number> {
    return yield* this.q.atomic(`wake_userfault [${start}, ${end})`, () => {
      let n = 0;
      for (const list of [this.faultPending, this.fault]) {
        for (let i = list.length - 1; i >= 0; i--) {
          const w = list[i]!;
          if (w.msg.addr < start || w.msg.addr >= end) continue;
          w.waken = true;
          list.splice(i, 1);
          n++;
        }
      }
      return n;
    });
  }

  /**
   * UFFDIO_COPY of one page holding `data` (mfill_atomic_copy): EAGAIN while an event is in
   * flight, EEXIST if the PTE is no longer none; then, unless DONTWAKE, the range is woken.
   */
  *copy(mm: Mm, addr: number, data: number, dontwake: boolean): Sim<0 | 'EAGAIN' | 'EEXIST'> {
    if (yield* this.q.atomic('userfaultfd_copy: mmap_changing', () => this.mmapChanging > 0)) return 'EAGAIN';
    yield* downRead(mm.mmapLock);
    // mfill_atomic: re-check mmap_changing under mmap_lock, then allocate and copy from user.
    if (yield* this.q.atomic('mfill_atomic: mmap_changing', () => this.mmapChanging > 0)) {
      yield* upRead(mm.mmapLock);
      return 'EAGAIN';
    }
    const pfn = yield* allocPage(mm.pages);
    const page = mm.frame(pfn);
    page.data = data;
    const installed = yield* spinLockSection(
      mm.ptl,
      'mfill_atomic_install_pte',
      () => {
        if (mm.pte(addr).locked().present) return false;
        page.mapcount = 1;
        mm.pte(addr).value = mkPte(pfn, true, true, true);
        return true;
      },
      (ok) =>
        ok
          ? `set_pte_at(${mm.name}.pte[${addr}], page${pfn}) data ${data}`
          : `${mm.name}.pte[${addr}] present: EEXIST`,
      mm.ptlFootprint(addr, addr + 1),
    );
    if (!installed) yield* putPage(page);
    yield* upRead(mm.mmapLock);
    if (!installed) return 'EEXIST';
    if (!dontwake) yield* this.wake(addr, addr + 1);
    return 0;
  }

  /** userfaultfd_remove() from madvise(MADV_DONTNEED): the REMOVE event, waited for until read. */
  *remove(mm: Mm, start: number, end: number): Sim<void> {
    if (!this.eventRemove) return;
    yield* downRead(mm.mmapLock);
    const ewq: EventWaiter = { msg: { event: 'REMOVE', start, end }, done: false };
    yield* this.q.atomic('userfaultfd_remove: mmap_changing++, queue REMOVE', () => {
      this.mmapChanging++;
      this.events.push(ewq);
    });
    yield* upRead(mm.mmapLock);
    yield* this.q.sleepUntil('userfaultfd_event_wait_completion', () => ewq.done);
    yield* this.q.atomic('userfaultfd_event_wait_completion: mmap_changing--', () => {
      this.mmapChanging--;
    });
  }
}
