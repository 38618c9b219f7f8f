/**
 * Non-cooperative events and the paths that raise them (fs/userfaultfd.c, mm/madvise.c,
 * mm/vma.c, mm/mremap.c, kernel/fork.c, 6.18), and the read side (userfaultfd_read_iter).
 * An event raises ctx->mmap_changing at its *_prep point (range ioctls then fail with EAGAIN),
 * is queued on event_wqh, and its thread sleeps until a read completes it or the ctx is released.
 */
import type { Sim } from '../../sim/step.js';
import { type EventWaiter, UffdCtx, type UffdMsg } from './ctx.js';
import type { ErrnoName } from './errno.js';
import { accessByte } from './fault.js';
import { pageOf, TASK_SIZE, UffdFile, userfaultfdClearVma } from './ioctl.js';
import type { KernelLock, UffdTask } from './kernel.js';
import { PAGE_SIZE, type Pte, UffdMm, type Vma, ZERO_PAGE } from './memory.js';
import { fail, OK, type SysRet } from './results.js';
import { UFFD_MSG_SIZE } from './uapi.js';

const PS = BigInt(PAGE_SIZE);

/** userfaultfd_event_wait_completion(): queue, sleep until read or released, drop mmap_changing. */
export function* eventWaitCompletion(
  k: KernelLock,
  task: UffdTask,
  ctx: UffdCtx,
  msg: EventWaiter['msg'],
): Sim<void> {
  const ewq: EventWaiter = { msg, done: false };
  yield* k.atomic('userfaultfd_event_queue', () => ctx.events.push(ewq));
  yield* k.sleepUntil('userfaultfd_event_wait_completion', () => ewq.done || ctx.released || task.killed);
  yield* k.atomic('userfaultfd_event_done', () => {
    if (!ewq.done) {
      const i = ctx.events.indexOf(ewq);
      if (i >= 0) ctx.events.splice(i, 1);
      // An unread FORK: the child's VMAs lose the new ctx (release_new_ctx).
      if (msg.event === 'FORK') {
        for (const v of msg.ctx.mm.vmas) if (v.uffd.ctx === msg.ctx) v.clearUffd();
      }
    }
    ctx.mmapChanging--;
  });
}

export interface ReadResult extends SysRet {
  readonly msgs: readonly (UffdMsg & { readonly file?: UffdFile })[];
}

/**
 * userfaultfd_read_iter(): messages of 32 bytes while `count` allows; blocks (if the file is
 * blocking) only for the first; an interrupted sleep returns EINTR (-ERESTARTSYS, no SA_RESTART).
 * A FORK message gets its new file here (resolve_userfault_fork()).
 */
export function* uffdRead(k: KernelLock, task: UffdTask, file: UffdFile, count: number): Sim<ReadResult> {
  const ctx = file.ctx;
  if (!ctx.initialized) return { ...fail('EINVAL'), msgs: [] };
  let noWait = file.nonblock;
  let left = count;
  const msgs: (UffdMsg & { file?: UffdFile })[] = [];
  for (;;) {
    const early = (e: ErrnoName): ReadResult =>
      msgs.length > 0 ? { ret: msgs.length * UFFD_MSG_SIZE, msgs } : { ...fail(e), msgs: [] };
    if (left < UFFD_MSG_SIZE) return early('EINVAL');
    let got: (UffdMsg & { file?: UffdFile }) | null = null;
    for (;;) {
      got = yield* k.atomic('userfaultfd_ctx_read', () => {
        const m = ctx.takeMessage();
        if (!m) return null;
        if (m.event) m.event.done = true;
        return m.msg.event === 'FORK' ? { ...m.msg, file: new UffdFile(m.msg.ctx) } : m.msg;
      });
      if (got || task.interrupted || noWait) break;
      yield* k.sleepUntil(
        'userfaultfd_ctx_read:schedule',
        () => ctx.hasSomethingToRead() || task.interrupted,
      );
    }
    if (!got) return early(task.interrupted ? 'EINTR' : 'EAGAIN');
    msgs.push(got);
    left -= UFFD_MSG_SIZE;
    noWait = true;
  }
}

/** The madvise(2) advices, include/uapi/asm-generic/mman-common.h. */
export const MADV = {
  MADV_NORMAL: 0,
  MADV_RANDOM: 1,
  MADV_SEQUENTIAL: 2,
  MADV_WILLNEED: 3,
  MADV_DONTNEED: 4,
  MADV_FREE: 8,
  MADV_REMOVE: 9,
  MADV_DONTFORK: 10,
  MADV_DOFORK: 11,
  MADV_MERGEABLE: 12,
  MADV_UNMERGEABLE: 13,
  MADV_HUGEPAGE: 14,
  MADV_NOHUGEPAGE: 15,
  MADV_DONTDUMP: 16,
  MADV_DODUMP: 17,
  MADV_WIPEONFORK: 18,
  MADV_KEEPONFORK: 19,
  MADV_COLD: 20,
  MADV_PAGEOUT: 21,
  MADV_POPULATE_READ: 22,
  MADV_POPULATE_WRITE: 23,
  MADV_DONTNEED_LOCKED: 24,
  MADV_COLLAPSE: 25,
} as const;

const VALID_ADVICE = new Set<number>(Object.values(MADV));

/** userfaultfd_remove(): a REMOVE event when the VMA's ctx asked for EVENT_REMOVE. */
function* userfaultfdRemove(k: KernelLock, task: UffdTask, vma: Vma, s: number, e: number): Sim<void> {
  const ctx = vma.uffd.ctx;
  if (!ctx?.has('UFFD_FEATURE_EVENT_REMOVE')) return;
  ctx.mmapChanging++;
  yield* eventWaitCompletion(k, task, ctx, { event: 'REMOVE', start: BigInt(s) * PS, end: BigInt(e) * PS });
}

/** madvise(2): do_madvise() walking the VMAs of the range; a gap gives ENOMEM at the end. */
export function* sysMadvise(
  k: KernelLock,
  task: UffdTask,
  start: bigint,
  len: bigint,
  advice: bigint,
): Sim<SysRet> {
  const adv = Number(advice);
  if (advice > 0xffffffffn || !VALID_ADVICE.has(adv)) return fail('EINVAL');
  if (start % PS !== 0n) return fail('EINVAL');
  const alen = (len + PS - 1n) & ~(PS - 1n);
  if (alen < len) return fail('EINVAL');
  const end = start + alen;
  if (end < start) return fail('EINVAL');
  if (end === start) return OK;
  const mm = task.mm;
  const s = pageOf(start);
  const e = pageOf(end);
  const vmas = yield* k.atomic('madvise:walk', () =>
    mm.vmasIn(s, e).map((v) => [Math.max(s, v.start), Math.min(e, v.end)] as const),
  );
  let covered = 0;
  for (const [vs, ve] of vmas) {
    covered += ve - vs;
    const vma = mm.findVma(vs);
    if (!vma) continue;
    switch (adv) {
      case MADV.MADV_DONTNEED:
      case MADV.MADV_DONTNEED_LOCKED:
      case MADV.MADV_FREE: {
        yield* userfaultfdRemove(k, task, vma, vs, ve);
        const r = yield* k.atomic('madvise_dontneed_free', (): SysRet | null => {
          // The mmap_lock was dropped for the event: look the VMA up again.
          const again = mm.findVma(vs);
          if (!again) return fail('ENOMEM');
          if (adv === MADV.MADV_FREE) return again.isAnonymous ? null : fail('EINVAL');
          zapForMadvise(mm, again, vs, Math.min(ve, again.end));
          return null;
        });
        if (r) return r;
        break;
      }
      case MADV.MADV_REMOVE: {
        if (!vma.inode) return fail('EINVAL');
        if (!(vma.shared && vma.mayWrite && vma.prot.write)) return fail('EACCES');
        yield* userfaultfdRemove(k, task, vma, vs, ve);
        yield* k.atomic('vfs_fallocate:punch_hole', () => {
          const inode = vma.inode!;
          const from = vma.pgoffOf(vs);
          const to = vma.pgoffOf(ve);
          for (let o = from; o < to; o++) inode.cache.delete(o);
          for (const v of mm.vmas) {
            if (v.inode !== inode) continue;
            for (let p = v.start; p < v.end; p++) {
              const o = v.pgoffOf(p);
              if (o >= from && o < to) mm.pt.delete(p);
            }
          }
        });
        break;
      }
      case MADV.MADV_POPULATE_READ:
      case MADV.MADV_POPULATE_WRITE: {
        for (let p = vs; p < ve; p++) {
          // faultin_page(): a read fault, then for POPULATE_WRITE a write of the byte it read (breaks COW).
          const r = yield* accessByte(k, task, BigInt(p) * PS, false, 0, false);
          if (r.kind !== 'done') return fail('EFAULT');
          if (adv === MADV.MADV_POPULATE_WRITE) {
            const w = yield* accessByte(k, task, BigInt(p) * PS, true, r.value, false);
            if (w.kind !== 'done') return fail('EFAULT');
          }
        }
        break;
      }
      case MADV.MADV_DONTFORK:
      case MADV.MADV_DOFORK:
      case MADV.MADV_WIPEONFORK:
      case MADV.MADV_KEEPONFORK: {
        // madvise_update_vma(): VM_DONTCOPY / VM_WIPEONFORK on the pieces of the range.
        const r = yield* k.atomic('madvise_update_vma', (): SysRet | null => {
          if (adv === MADV.MADV_WIPEONFORK && (vma.inode !== null || vma.shared)) return fail('EINVAL');
          for (const piece of mm.isolate(vs, ve)) {
            if (adv === MADV.MADV_DONTFORK) piece.dontCopy = true;
            else if (adv === MADV.MADV_DOFORK) piece.dontCopy = false;
            else piece.wipeOnFork = adv === MADV.MADV_WIPEONFORK;
          }
          return null;
        });
        if (r) return r;
        break;
      }
      default:
        break;
    }
  }
  return covered < e - s ? fail('ENOMEM') : OK;
}

/**
 * zap_pte_range() for MADV_DONTNEED (no ZAP_FLAG_DROP_MARKER): anonymous memory loses everything;
 * file memory keeps its markers, and a uffd-wp PTE of a WP-registered VMA leaves a uffd-wp marker
 * (pte_install_uffd_wp_if_needed()).
 */
function zapForMadvise(mm: UffdMm, vma: Vma, s: number, e: number): void {
  for (let p = s; p < e; p++) {
    const pte = mm.pt.get(p);
    if (!pte) continue;
    if (vma.isAnonymous) mm.pt.delete(p);
    else if (pte.kind === 'present') {
      if (pte.uffdWp && vma.uffd.wp) mm.pt.set(p, { kind: 'marker', uffdWp: true, poison: false });
      else mm.pt.delete(p);
    }
  }
}

interface UnmapCtx {
  readonly ctx: UffdCtx;
  readonly start: bigint;
  readonly end: bigint;
}

/** userfaultfd_unmap_prep(): one UNMAP per ctx with EVENT_UNMAP among the VMAs of the range. */
function unmapPrep(mm: UffdMm, s: number, e: number, list: UnmapCtx[]): void {
  const start = BigInt(s) * PS;
  const end = BigInt(e) * PS;
  for (const v of mm.vmasIn(s, e)) {
    const ctx = v.uffd.ctx;
    if (!ctx?.has('UFFD_FEATURE_EVENT_UNMAP')) continue;
    if (list.some((u) => u.ctx === ctx && u.start === start && u.end === end)) continue;
    ctx.mmapChanging++;
    list.push({ ctx, start, end });
  }
}

function* unmapComplete(k: KernelLock, task: UffdTask, list: readonly UnmapCtx[]): Sim<void> {
  for (const u of list)
    yield* eventWaitCompletion(k, task, u.ctx, { event: 'UNMAP', start: u.start, end: u.end });
}

function badRange(start: bigint, len: bigint): boolean {
  return start % PS !== 0n || len === 0n || start > TASK_SIZE || len > TASK_SIZE - start;
}

/** munmap(2): do_vmi_munmap() with userfaultfd_unmap_prep()/_complete(). */
export function* sysMunmap(k: KernelLock, task: UffdTask, start: bigint, len: bigint): Sim<SysRet> {
  const alen = (len + PS - 1n) & ~(PS - 1n);
  if (badRange(start, alen)) return fail('EINVAL');
  const list: UnmapCtx[] = [];
  yield* k.atomic('do_vmi_munmap', () => {
    const s = pageOf(start);
    const e = pageOf(start + alen);
    unmapPrep(task.mm, s, e, list);
    task.mm.unmapRange(s, e);
  });
  yield* unmapComplete(k, task, list);
  return OK;
}

export interface MremapRet extends SysRet {
  readonly addr?: bigint;
}

/** mremap(2): in place (flags 0) or MREMAP_MAYMOVE|MREMAP_FIXED to `to` (mm/mremap.c, 6.18). */
export function* sysMremap(
  k: KernelLock,
  task: UffdTask,
  addr: bigint,
  oldLenIn: bigint,
  newLenIn: bigint,
  to: bigint | null,
): Sim<MremapRet> {
  const mm = task.mm;
  if (addr % PS !== 0n) return fail('EINVAL');
  let oldLen = (oldLenIn + PS - 1n) & ~(PS - 1n);
  const newLen = (newLenIn + PS - 1n) & ~(PS - 1n);
  if (newLen === 0n) return fail('EINVAL');
  const early: UnmapCtx[] = [];
  const late: UnmapCtx[] = [];
  let remap: { ctx: UffdCtx; from: bigint; to: bigint; len: bigint } | null = null;
  const r = yield* k.atomic('mremap', (): MremapRet => {
    if (to !== null) {
      if (to % PS !== 0n || badRange(to, newLen)) return fail('EINVAL');
      if (to < addr + oldLen && addr < to + newLen) return fail('EINVAL');
      // MREMAP_FIXED: whatever is at the target goes first (uf_unmap_early).
      unmapPrep(mm, pageOf(to), pageOf(to + newLen), early);
      mm.unmapRange(pageOf(to), pageOf(to + newLen));
    }
    if (oldLen >= newLen) {
      if (oldLen > newLen) {
        unmapPrep(mm, pageOf(addr + newLen), pageOf(addr + oldLen), late);
        mm.unmapRange(pageOf(addr + newLen), pageOf(addr + oldLen));
      }
      oldLen = newLen;
      if (to === null) return { ...OK, addr };
    }
    const s = pageOf(addr);
    const vma = mm.findVma(s);
    if (!vma || s + Number(oldLen / PS) > vma.end) return fail('EFAULT');
    if (to === null) {
      // Grow in place: only into free space right after the VMA's end.
      const e = s + Number(oldLen / PS);
      const ne = s + Number(newLen / PS);
      if (e !== vma.end || mm.vmasIn(e, ne).length > 0) return fail('ENOMEM');
      vma.end = ne;
      return { ...OK, addr };
    }
    // move_vma(): copy_vma(), mremap_userfaultfd_prep(), move_page_tables(), unmap of the old range.
    const n = Number(oldLen / PS);
    const [old] = mm.isolate(s, s + n);
    const nv = old!.clone();
    const d = pageOf(to);
    nv.start = d;
    nv.end = d + Number(newLen / PS);
    const ctx = nv.uffd.ctx;
    if (ctx) {
      if (ctx.has('UFFD_FEATURE_EVENT_REMAP')) {
        ctx.mmapChanging++;
        remap = { ctx, from: addr, to, len: oldLen };
      } else {
        nv.clearUffd();
      }
    }
    const moved: [number, Pte][] = [];
    for (let i = 0; i < n; i++) {
      const pte = mm.pt.get(s + i);
      if (pte) moved.push([d + i, pte]);
      mm.pt.delete(s + i);
    }
    unmapPrep(mm, s, s + n, late);
    mm.unmapRange(s, s + n);
    mm.insert(nv);
    for (const [p, pte] of moved) {
      if (pte.kind === 'present' && !nv.uffd.wp) pte.uffdWp = false;
      if (pte.kind === 'marker' && pte.uffdWp && !nv.uffd.wp) continue;
      mm.pt.set(p, pte);
    }
    return { ...OK, addr: to };
  });
  yield* unmapComplete(k, task, early);
  const rm = remap as { ctx: UffdCtx; from: bigint; to: bigint; len: bigint } | null;
  if (rm)
    yield* eventWaitCompletion(k, task, rm.ctx, { event: 'REMAP', from: rm.from, to: rm.to, len: rm.len });
  yield* unmapComplete(k, task, late);
  return r;
}

/**
 * fork(2)'s dup_mmap(): the child's VMAs keep a uffd registration only through EVENT_FORK, on a
 * new ctx per parent ctx (dup_userfaultfd()); private PTEs are copied (eagerly here, which the
 * model cannot tell from COW); uffd-wp bits and markers survive only into a WP-registered VMA.
 * Then dup_userfaultfd_complete() posts FORK and waits for each to be read.
 */
export function* sysFork(k: KernelLock, task: UffdTask, childName: string): Sim<UffdMm> {
  const parent = task.mm;
  const forks = new Map<UffdCtx, UffdCtx>();
  const child = yield* k.atomic('dup_mmap', () => {
    const c = new UffdMm(childName);
    for (const v of parent.vmas) {
      if (v.dontCopy) continue;
      const nv = v.clone();
      const octx = v.uffd.ctx;
      if (!octx?.has('UFFD_FEATURE_EVENT_FORK')) {
        nv.clearUffd();
      } else {
        let nctx = forks.get(octx);
        if (!nctx) {
          nctx = new UffdCtx(octx.flags, c, octx.negotiation);
          nctx.features = octx.features;
          nctx.initialized = true;
          octx.mmapChanging++;
          forks.set(octx, nctx);
        }
        nv.uffd.ctx = nctx;
      }
      c.insert(nv);
      if (v.wipeOnFork || (v.shared && !nv.uffd.wp)) continue;
      for (let p = v.start; p < v.end; p++) {
        const pte = parent.pt.get(p);
        if (!pte) continue;
        if (pte.kind === 'marker') {
          if (pte.poison || nv.uffd.wp) c.pt.set(p, { ...pte });
          continue;
        }
        const frame = pte.frame === ZERO_PAGE || pte.cow || v.shared ? pte.frame : pte.frame.copy();
        c.pt.set(p, { kind: 'present', frame, uffdWp: pte.uffdWp && nv.uffd.wp, cow: pte.cow });
      }
    }
    return c;
  });
  for (const [octx, nctx] of forks) yield* eventWaitCompletion(k, task, octx, { event: 'FORK', ctx: nctx });
  return child;
}

/** A process exit: exit_mmap() (mm_users drops to 0). */
export function exitMm(mm: UffdMm): void {
  mm.users = 0;
  for (const v of mm.vmas) if (v.uffd.ctx) userfaultfdClearVma(mm, v);
}

/** mprotect(2): mprotect_fixup() on each VMA of the range (a split keeps the uffd state). */
export function sysMprotect(
  mm: UffdMm,
  start: bigint,
  len: bigint,
  prot: { read: boolean; write: boolean; exec: boolean },
): SysRet {
  if (start % PS !== 0n) return fail('EINVAL');
  const alen = (len + PS - 1n) & ~(PS - 1n);
  if (alen < len || start + alen > TASK_SIZE) return fail('ENOMEM');
  if (alen === 0n) return OK;
  const s = pageOf(start);
  const e = pageOf(start + alen);
  let at = s;
  for (const v of mm.vmasIn(s, e)) {
    if (v.start > at) return fail('ENOMEM');
    if (prot.write && v.shared && !v.mayWrite) return fail('EACCES');
    at = v.end;
  }
  if (at < e) return fail('ENOMEM');
  for (const v of mm.isolate(s, e)) v.prot = prot;
  return OK;
}
