/**
 * The fault path with userfaultfd in it (mm/memory.c, mm/shmem.c, fs/userfaultfd.c, 6.18): an
 * access resolves its PTE atomically (under the PT lock), and when the VMA is registered for the
 * case at hand it queues a fault waiter and sleeps in handle_userfault() until woken, then retries
 * the whole fault (VM_FAULT_RETRY), as the kernel does.
 */
import type { Sim } from '../../sim/step.js';
import type { FaultWaiter, PagefaultReason, UffdCtx } from './ctx.js';
import type { KernelLock, UffdTask } from './kernel.js';
import { PAGE_SIZE, PageFrame, type Pte, ZERO_PAGE } from './memory.js';
import { UFFD_PAGEFAULT_FLAG } from './uapi.js';

export type AccessOutcome =
  | { readonly kind: 'done'; readonly value: number }
  | { readonly kind: 'SIGBUS' | 'SIGSEGV' | 'killed' };

type Attempt =
  | AccessOutcome
  | { readonly kind: 'userfault'; readonly ctx: UffdCtx; readonly waiter: FaultWaiter };

const PS = BigInt(PAGE_SIZE);

/** userfault_msg() + the enqueue of handle_userfault(). `user`: FAULT_FLAG_USER. */
function handleUserfault(
  task: UffdTask,
  ctx: UffdCtx,
  addr: bigint,
  write: boolean,
  reason: PagefaultReason,
  user: boolean,
): Attempt {
  if (ctx.has('UFFD_FEATURE_SIGBUS')) return { kind: 'SIGBUS' };
  // UFFD_USER_MODE_ONLY: a kernel-mode fault is not delivered (userfaultfd_spec.md §13.8: EFAULT).
  if ((ctx.flags & 1n) !== 0n && !user) return { kind: 'SIGBUS' };
  let flags = 0n;
  if (write) flags |= UFFD_PAGEFAULT_FLAG.UFFD_PAGEFAULT_FLAG_WRITE;
  if (reason === 'WP') flags |= UFFD_PAGEFAULT_FLAG.UFFD_PAGEFAULT_FLAG_WP;
  if (reason === 'MINOR') flags |= UFFD_PAGEFAULT_FLAG.UFFD_PAGEFAULT_FLAG_MINOR;
  const address = ctx.has('UFFD_FEATURE_EXACT_ADDRESS') ? addr : addr - (addr % PS);
  const waiter: FaultWaiter = {
    msg: { event: 'PAGEFAULT', flags, address, ptid: ctx.has('UFFD_FEATURE_THREAD_ID') ? task.name : null },
    waken: false,
  };
  ctx.faultPending.push(waiter);
  return { kind: 'userfault', ctx, waiter };
}

/** One attempt at the access, under the PT lock: handle_mm_fault() and the access itself. */
function tryAccess(task: UffdTask, addr: bigint, write: boolean, value: number, user: boolean): Attempt {
  const mm = task.mm;
  const page = Number(addr / PS);
  const off = Number(addr % PS);
  const vma = mm.findVma(page);
  // access_error(): no VMA, or PROT bits that forbid the access.
  if (!vma?.prot.read || (write && !vma.prot.write)) return { kind: 'SIGSEGV' };
  const pgoff = vma.pgoffOf(page);
  if (vma.inode && pgoff >= vma.inode.size) return { kind: 'SIGBUS' };
  let pte: Pte | undefined = mm.pt.get(page);
  let wpMarker = false;
  if (pte?.kind === 'marker') {
    // handle_pte_marker(): poison first, then a uffd-wp marker (cleared when the VMA lost WP).
    if (pte.poison) return { kind: 'SIGBUS' };
    // A marker stays until a page replaces it: a MISSING userfault leaves it (ZEROPAGE then sees EEXIST).
    wpMarker = vma.uffd.wp;
    if (!wpMarker) mm.pt.delete(page);
    pte = undefined;
  }
  if (pte === undefined) {
    const ctx = vma.uffd.ctx;
    if (vma.inode === null) {
      // do_anonymous_page(): userfaultfd_missing() is checked for reads and writes alike.
      if (ctx && vma.uffd.missing) return handleUserfault(task, ctx, addr, write, 'MISSING', user);
      const frame = write ? new PageFrame() : ZERO_PAGE;
      pte = { kind: 'present', frame, uffdWp: wpMarker, cow: !write };
    } else {
      // shmem_get_folio_gfp(): MINOR when the page is cached, MISSING when it is not.
      let folio = vma.inode.cache.get(pgoff);
      if (folio && ctx && vma.uffd.minor) return handleUserfault(task, ctx, addr, write, 'MINOR', user);
      if (!folio) {
        if (ctx && vma.uffd.missing) return handleUserfault(task, ctx, addr, write, 'MISSING', user);
        folio = new PageFrame();
        vma.inode.cache.set(pgoff, folio);
      }
      pte = vma.shared
        ? { kind: 'present', frame: folio, uffdWp: wpMarker, cow: false }
        : write
          ? { kind: 'present', frame: folio.copy(), uffdWp: wpMarker, cow: false }
          : { kind: 'present', frame: folio, uffdWp: wpMarker, cow: true };
    }
    mm.pt.set(page, pte);
  }
  if (pte.kind !== 'present') return { kind: 'SIGBUS' };
  if (!write) return { kind: 'done', value: pte.frame.data[off]! };
  if (pte.uffdWp) {
    // do_wp_page(): a uffd-wp PTE faults to the monitor unless WP_ASYNC resolves it in the kernel.
    const ctx = vma.uffd.ctx;
    if (ctx && vma.uffd.wp && !ctx.has('UFFD_FEATURE_WP_ASYNC')) {
      return handleUserfault(task, ctx, addr, write, 'WP', user);
    }
    pte.uffdWp = false;
  }
  if (pte.cow) {
    pte.frame = pte.frame.copy();
    pte.cow = false;
  }
  pte.frame.data[off] = value & 0xff;
  return { kind: 'done', value: value & 0xff };
}

/**
 * A one-byte access by `task`: `user` for a user-mode access (touch), false for the kernel's
 * copy_{to,from}_user (kread, kwrite). Sleeps in handle_userfault() as often as the fault is
 * delivered, retrying after each wake-up.
 */
export function* accessByte(
  k: KernelLock,
  task: UffdTask,
  addr: bigint,
  write: boolean,
  value: number,
  user: boolean,
): Sim<AccessOutcome> {
  for (;;) {
    const r = yield* k.atomic('handle_mm_fault', () => tryAccess(task, addr, write, value, user));
    if (r.kind !== 'userfault') return r;
    const { ctx, waiter } = r;
    yield* k.sleepUntil('handle_userfault', () => waiter.waken || task.killed);
    yield* k.atomic('handle_userfault:done', () => ctx.forget(waiter));
    if (task.killed) return { kind: 'killed' };
  }
}
