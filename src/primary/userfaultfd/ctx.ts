/**
 * `struct userfaultfd_ctx` (fs/userfaultfd.c): state, features, the four wait queues as lists of
 * waiters, `mmap_changing`, `released`. Faults wait on `faultPending` until read, then on
 * `fault` until woken (`userfaultfd_ctx_read` refiles them); non-cooperative events wait on
 * `events` until read (`userfaultfd_event_complete`). Readers find the oldest entry first
 * (`find_userfault_in` walks from the tail: FIFO), faults before events.
 */
import type { UffdMm } from './memory.js';
import { UFFD_FEATURE, UFFD_FEATURE_INITIALIZED } from './uapi.js';

/** Both semantics of UFFDIO_API's feature check (seed 004): the live kernel's, and the 2022 one. */
export type ApiNegotiation = 'strict' | 'lenient';

export type PagefaultReason = 'MISSING' | 'WP' | 'MINOR';

export type UffdMsg =
  | {
      readonly event: 'PAGEFAULT';
      /** UFFD_PAGEFAULT_FLAG_* */
      readonly flags: bigint;
      readonly address: bigint;
      /** The faulting thread's name when UFFD_FEATURE_THREAD_ID is on, else null (ptid 0). */
      readonly ptid: string | null;
    }
  | { readonly event: 'FORK'; readonly ctx: UffdCtx }
  | { readonly event: 'REMAP'; readonly from: bigint; readonly to: bigint; readonly len: bigint }
  | { readonly event: 'REMOVE' | 'UNMAP'; readonly start: bigint; readonly end: bigint };

/** `struct userfaultfd_wait_queue` of a blocked fault. */
export interface FaultWaiter {
  readonly msg: Extract<UffdMsg, { event: 'PAGEFAULT' }>;
  /** uwq->waken */
  waken: boolean;
}

/** The `ewq` of a thread waiting in userfaultfd_event_wait_completion(). */
export interface EventWaiter {
  readonly msg: Exclude<UffdMsg, { event: 'PAGEFAULT' }>;
  /** `ewq->msg.event == 0`: read (and for FORK, resolved). */
  done: boolean;
}

let nextCtxId = 0;

export class UffdCtx {
  readonly id = nextCtxId++;
  /** UFFD_STATE_WAIT_API until a successful UFFDIO_API (6.18: the INITIALIZED feature bit). */
  initialized = false;
  /** Enabled features (ctx->features without UFFD_FEATURE_INITIALIZED). */
  features = 0n;
  released = false;
  /** atomic_t mmap_changing (6.18): non-cooperative events in flight. */
  mmapChanging = 0;
  readonly faultPending: FaultWaiter[] = [];
  readonly fault: FaultWaiter[] = [];
  readonly events: EventWaiter[] = [];

  constructor(
    /** userfaultfd(2) flags: O_NONBLOCK, O_CLOEXEC, UFFD_USER_MODE_ONLY. */
    readonly flags: bigint,
    readonly mm: UffdMm,
    readonly negotiation: ApiNegotiation = 'strict',
  ) {}

  has(feature: keyof typeof UFFD_FEATURE): boolean {
    return (this.features & UFFD_FEATURE[feature]) !== 0n;
  }

  /** What fdinfo prints after `API:\t0xaa:` (ctx->features, the initialised marker included). */
  get fdinfoFeatures(): bigint {
    return this.initialized ? this.features | UFFD_FEATURE_INITIALIZED : 0n;
  }

  /** `pending:` and `total:` of userfaultfd_show_fdinfo(). */
  fdinfoCounts(): { pending: number; total: number } {
    return { pending: this.faultPending.length, total: this.faultPending.length + this.fault.length };
  }

  /** userfaultfd_poll() for a ctx in UFFD_STATE_RUNNING on an O_NONBLOCK file: EPOLLIN or nothing. */
  hasSomethingToRead(): boolean {
    return this.faultPending.length > 0 || this.events.length > 0;
  }

  /**
   * wake_userfault() / userfaultfd_wake_function(): wakes the faults whose address is in
   * [start, start + len) on both queues; len 0 wakes all (release only).
   */
  wake(start: bigint, len: bigint): number {
    let n = 0;
    for (const q of [this.faultPending, this.fault]) {
      for (let i = q.length - 1; i >= 0; i--) {
        const w = q[i]!;
        const a = w.msg.address;
        if (len !== 0n && (start > a || start + len <= a)) continue;
        w.waken = true;
        q.splice(i, 1);
        n++;
      }
    }
    return n;
  }

  /** list_del of a fault waiter leaving handle_userfault() (woken, killed). */
  forget(w: FaultWaiter): void {
    for (const q of [this.faultPending, this.fault]) {
      const i = q.indexOf(w);
      if (i >= 0) q.splice(i, 1);
    }
  }

  /** userfaultfd_ctx_read(): the oldest pending fault (refiled to `fault`), else the oldest event. */
  takeMessage(): { msg: UffdMsg; event: EventWaiter | null } | null {
    const f = this.faultPending.shift();
    if (f) {
      this.fault.push(f);
      return { msg: f.msg, event: null };
    }
    const e = this.events.shift();
    if (e) return { msg: e.msg, event: e };
    return null;
  }
}
