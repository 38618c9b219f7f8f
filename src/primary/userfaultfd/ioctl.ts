/**
 * The userfaultfd file: userfaultfd(2) / USERFAULTFD_IOC_NEW, UFFDIO_API, the range ioctls, poll,
 * fdinfo and release, with the kernel's order of checks (fs/userfaultfd.c and mm/userfaultfd.c,
 * Linux 6.18). Each ioctl is one atomic step: the kernel runs it under mmap_lock (read or write)
 * and the PT locks, and nothing in it sleeps for another thread of the model.
 */
import { type ApiNegotiation, UffdCtx } from './ctx.js';
import type { ErrnoName } from './errno.js';
import { PAGE_SIZE, PageFrame, type UffdMm, type Vma, ZERO_PAGE } from './memory.js';
import type { UffdProcess } from './process.js';
import { fail, OK, type RangeRet, type S64Out, type SysRet } from './results.js';
import {
  _UFFDIO,
  UFFD_API,
  UFFD_API_FEATURES,
  UFFD_API_IOCTLS,
  UFFD_API_RANGE_IOCTLS,
  UFFD_FEATURE,
  UFFD_USER_MODE_ONLY,
  UFFDIO_CONTINUE_MODE,
  UFFDIO_COPY_MODE,
  UFFDIO_MOVE_MODE,
  UFFDIO_POISON_MODE,
  UFFDIO_REGISTER_MODE,
  UFFDIO_WRITEPROTECT_MODE,
  UFFDIO_ZEROPAGE_MODE,
} from './uapi.js';

const PS = BigInt(PAGE_SIZE);
/** x86-64 TASK_SIZE_MAX (4-level paging). */
export const TASK_SIZE = 0x7ffffffff000n;
/** vm.mmap_min_addr of the machine the fixtures were recorded on (CONFIG_DEFAULT_MMAP_MIN_ADDR 4096). */
export const MMAP_MIN_ADDR = 0x1000n;
const O_NONBLOCK = 0o4000n;
const O_CLOEXEC = 0o2000000n;
/** UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY: what new_userfaultfd() accepts. */
const UFFD_FLAGS_ALLOWED = O_NONBLOCK | O_CLOEXEC | BigInt(UFFD_USER_MODE_ONLY);

/** An open userfaultfd file (`struct file`): released when its last reference goes (fput). */
export class UffdFile {
  /** File references: the fd, and the fd-table copies of forked children. */
  refs = 1;
  constructor(readonly ctx: UffdCtx) {}
  get nonblock(): boolean {
    return (this.ctx.flags & O_NONBLOCK) !== 0n;
  }
}

export function pageOf(addr: bigint): number {
  return Number(addr / PS);
}

/** validate_range() (6.18: validate_unaligned_range() after the start alignment check). */
export function validateRange(start: bigint, len: bigint): ErrnoName | null {
  if (start % PS !== 0n) return 'EINVAL';
  if (len % PS !== 0n) return 'EINVAL';
  if (len === 0n) return 'EINVAL';
  if (start < MMAP_MIN_ADDR) return 'EINVAL';
  if (start >= TASK_SIZE) return 'EINVAL';
  if (len > TASK_SIZE - start) return 'EINVAL';
  return null;
}

/** sys_userfaultfd(): the permission check, then new_userfaultfd()'s flag check. */
export function sysUserfaultfd(
  proc: UffdProcess,
  flags: bigint,
  negotiation: ApiNegotiation = 'strict',
): UffdFile | ErrnoName {
  // userfaultfd_syscall_allowed(): the sysctl, or UFFD_USER_MODE_ONLY, or CAP_SYS_PTRACE.
  const userModeOnly = (flags & BigInt(UFFD_USER_MODE_ONLY)) !== 0n;
  if (!(proc.unprivilegedUserfaultfd || userModeOnly || proc.capSysPtrace)) return 'EPERM';
  return newUserfaultfd(proc, flags, negotiation);
}

/** /dev/userfaultfd: userfaultfd_dev_ioctl() knows USERFAULTFD_IOC_NEW (nr 0) only; no capability check. */
export function devUserfaultfd(
  proc: UffdProcess,
  nr: bigint,
  flags: bigint,
  negotiation: ApiNegotiation = 'strict',
): UffdFile | ErrnoName {
  if (nr !== 0n) return 'EINVAL';
  return newUserfaultfd(proc, flags, negotiation);
}

function newUserfaultfd(proc: UffdProcess, flags: bigint, negotiation: ApiNegotiation): UffdFile | ErrnoName {
  if ((flags & ~UFFD_FLAGS_ALLOWED) !== 0n) return 'EINVAL';
  return new UffdFile(new UffdCtx(flags, proc.mm, negotiation));
}

export interface ApiRet extends SysRet {
  readonly api: bigint;
  readonly features: bigint;
  readonly ioctls: bigint;
}

/**
 * userfaultfd_api(), with both negotiation semantics of seed 004, chosen per context.
 * `strict` (4.11-5.19 and 6.3+, the live kernel): api must be 0xaa and an unknown feature bit
 * fails with EINVAL. `lenient` (6.0-6.2: 914eedcb9ba0 "userfaultfd: don't fail on unrecognized
 * features", reverted by 2ff559f31a5d): the request is masked with the known set and, as that
 * patch had it, the version is not checked. Every failure zeroes the struct (err_out's memset).
 */
export function uffdioApi(proc: UffdProcess, ctx: UffdCtx, api: bigint, requested: bigint): ApiRet {
  const zeroed = (errno: ErrnoName): ApiRet => ({ ...fail(errno), api: 0n, features: 0n, ioctls: 0n });
  if (ctx.initialized) return zeroed('EINVAL');
  let features = requested;
  if (ctx.negotiation === 'strict') {
    if (api !== UFFD_API) return zeroed('EINVAL');
    if ((features & ~UFFD_API_FEATURES) !== 0n) return zeroed('EINVAL');
  } else {
    features &= UFFD_API_FEATURES;
  }
  if ((features & UFFD_FEATURE.UFFD_FEATURE_EVENT_FORK) !== 0n && !proc.capSysPtrace) return zeroed('EPERM');
  // WP_ASYNC relies on WP_UNPOPULATED, chosen unconditionally (6.7).
  if ((features & UFFD_FEATURE.UFFD_FEATURE_WP_ASYNC) !== 0n)
    features |= UFFD_FEATURE.UFFD_FEATURE_WP_UNPOPULATED;
  ctx.features = features;
  ctx.initialized = true;
  return { ...OK, api: UFFD_API, features: UFFD_API_FEATURES, ioctls: UFFD_API_IOCTLS };
}

function wpAsync(ctx: UffdCtx): boolean {
  return ctx.has('UFFD_FEATURE_WP_ASYNC');
}

/** vma_can_userfault() (6.18). */
function vmaCanUserfault(
  vma: Vma,
  flags: { missing: boolean; wp: boolean; minor: boolean },
  async: boolean,
): boolean {
  if (flags.minor && !vma.isShmem) return false;
  if (async && flags.wp && !flags.missing && !flags.minor) return true;
  return vma.isAnonymous || vma.isShmem;
}

/** userfaultfd_wp_use_markers(): file memory always, anonymous memory with WP_UNPOPULATED. */
function wpUseMarkers(vma: Vma): boolean {
  if (!vma.uffd.wp) return false;
  if (!vma.isAnonymous) return true;
  return vma.uffd.ctx?.has('UFFD_FEATURE_WP_UNPOPULATED') ?? false;
}

/** uffd_wp_range(): sets or clears the uffd-wp bit of [start, end) (change_protection with MM_CP_UFFD_WP[_RESOLVE]). */
export function uffdWpRange(mm: UffdMm, vma: Vma, start: number, end: number, enable: boolean): void {
  const markers = enable && wpUseMarkers(vma);
  for (let p = start; p < end; p++) {
    const pte = mm.pt.get(p);
    if (pte === undefined) {
      if (markers) mm.pt.set(p, { kind: 'marker', uffdWp: true, poison: false });
    } else if (pte.kind === 'present') {
      pte.uffdWp = enable;
    } else if (pte.uffdWp && !pte.poison && !enable) {
      mm.pt.delete(p);
    }
  }
}

/** userfaultfd_clear_vma(): drops wr-protection, then the uffd flags and ctx. */
export function userfaultfdClearVma(mm: UffdMm, vma: Vma): void {
  if (vma.uffd.wp) uffdWpRange(mm, vma, vma.start, vma.end, false);
  vma.clearUffd();
}

export interface RegisterRet extends SysRet {
  readonly ioctls: bigint | 'unset';
}

export function uffdioRegister(ctx: UffdCtx, start: bigint, len: bigint, mode: bigint): RegisterRet {
  const err = (e: ErrnoName): RegisterRet => ({ ...fail(e), ioctls: 'unset' });
  const M = UFFDIO_REGISTER_MODE;
  if ((mode & ~0x7n) !== 0n) return err('EINVAL');
  if (mode === 0n) return err('EINVAL');
  const flags = {
    missing: (mode & M.UFFDIO_REGISTER_MODE_MISSING) !== 0n,
    wp: (mode & M.UFFDIO_REGISTER_MODE_WP) !== 0n,
    minor: (mode & M.UFFDIO_REGISTER_MODE_MINOR) !== 0n,
  };
  const bad = validateRange(start, len);
  if (bad) return err(bad);
  const mm = ctx.mm;
  if (mm.users === 0) return err('ENOMEM');
  const s = pageOf(start);
  const e = pageOf(start + len);
  const found = mm.vmasIn(s, e);
  if (found.length === 0) return err('EINVAL');
  for (const cur of found) {
    if (!vmaCanUserfault(cur, flags, wpAsync(ctx))) return err('EINVAL');
    // UFFDIO_COPY fills file holes even without PROT_WRITE: a shared mapping needs VM_MAYWRITE.
    if (!cur.mayWrite) return err('EPERM');
    if (cur.uffd.ctx !== null && cur.uffd.ctx !== ctx) return err('EBUSY');
  }
  // userfaultfd_register_range()
  for (const v of mm.vmasIn(s, e)) {
    const covered =
      v.uffd.ctx === ctx &&
      (!flags.missing || v.uffd.missing) &&
      (!flags.wp || v.uffd.wp) &&
      (!flags.minor || v.uffd.minor);
    if (covered) continue;
    for (const piece of mm.isolate(Math.max(s, v.start), Math.min(e, v.end))) {
      piece.uffd = { ctx, ...flags };
    }
  }
  let ioctls = UFFD_API_RANGE_IOCTLS;
  if (!flags.wp) ioctls &= ~(1n << BigInt(_UFFDIO._UFFDIO_WRITEPROTECT));
  if (!flags.minor) ioctls &= ~(1n << BigInt(_UFFDIO._UFFDIO_CONTINUE));
  return { ...OK, ioctls };
}

export function uffdioUnregister(ctx: UffdCtx, start: bigint, len: bigint): SysRet {
  const bad = validateRange(start, len);
  if (bad) return fail(bad);
  const mm = ctx.mm;
  if (mm.users === 0) return fail('ENOMEM');
  const s = pageOf(start);
  const e = pageOf(start + len);
  const found = mm.vmasIn(s, e);
  if (found.length === 0) return fail('EINVAL');
  for (const cur of found) {
    if (!vmaCanUserfault(cur, cur.uffd, wpAsync(ctx))) return fail('EINVAL');
    // 6.15: a VMA registered with one uffd cannot be unregistered through another.
    if (cur.uffd.ctx !== null && cur.uffd.ctx !== ctx) return fail('EINVAL');
  }
  for (const v of mm.vmasIn(s, e)) {
    if (v.uffd.ctx === null) continue;
    const vs = Math.max(s, v.start);
    const ve = Math.min(e, v.end);
    // Only MISSING waiters are woken: a WP writer stays asleep (userfaultfd_spec.md §13.7).
    if (v.uffd.missing) v.uffd.ctx.wake(BigInt(vs) * PS, BigInt(ve - vs) * PS);
    for (const piece of mm.isolate(vs, ve)) userfaultfdClearVma(mm, piece);
  }
  return OK;
}

export function uffdioWake(ctx: UffdCtx, start: bigint, len: bigint): SysRet {
  const bad = validateRange(start, len);
  if (bad) return fail(bad);
  ctx.wake(start, len);
  return OK;
}

/** Reads one page of the caller's memory the way copy_from_user() does, or null for EFAULT. */
export type SourceReader = (addr: bigint) => Uint8Array | null;

/** Reads a page of `mm` without faulting it in: present data, else what a fault would map (zeros or the page cache). */
export function peekUserPage(mm: UffdMm, addr: bigint): Uint8Array | null {
  const page = pageOf(addr);
  const vma = mm.findVma(page);
  if (!vma?.prot.read) return null;
  const pte = mm.pt.get(page);
  if (pte?.kind === 'present') return pte.frame.data;
  if (pte?.kind === 'marker' && pte.poison) return null;
  if (vma.inode) {
    const off = vma.pgoffOf(page);
    if (off >= vma.inode.size) return null;
    return vma.inode.cache.get(off)?.data ?? ZERO_PAGE.data;
  }
  return ZERO_PAGE.data;
}

type MfillKind = 'copy' | 'zeropage' | 'continue' | 'poison';

/** mfill_atomic(): returns bytes done, or the error of the first page. */
function mfillAtomic(
  ctx: UffdCtx,
  dst: bigint,
  len: bigint,
  kind: MfillKind,
  wp: boolean,
  src: SourceReader | null,
  srcStart: bigint,
): bigint | ErrnoName {
  const mm = ctx.mm;
  const s = pageOf(dst);
  const n = Number(len / PS);
  const vma = mm.findVma(s);
  // uffd_mfill_lock() + validate_dst_vma(): inside one VMA, and that VMA registered (with any uffd).
  if (!vma || s + n > vma.end || vma.uffd.ctx === null) return 'ENOENT';
  if (ctx.mmapChanging > 0) return 'EAGAIN';
  if (wp && !vma.uffd.wp) return 'EINVAL';
  if (kind === 'continue' && !vma.isShmem) return 'EINVAL';
  let done = 0;
  let err: ErrnoName | null = null;
  for (let i = 0; i < n && err === null; i++) {
    err = mfillAtomicPte(mm, vma, s + i, kind, wp, src, srcStart + BigInt(i) * PS);
    if (err === null) done++;
  }
  return done > 0 ? BigInt(done) * PS : (err ?? 'EINVAL');
}

function mfillAtomicPte(
  mm: UffdMm,
  vma: Vma,
  page: number,
  kind: MfillKind,
  wp: boolean,
  src: SourceReader | null,
  srcAddr: bigint,
): ErrnoName | null {
  const pte = mm.pt.get(page);
  if (kind === 'poison') {
    // mfill_atomic_pte_poison(): refuses to overwrite anything, a marker included.
    if (pte !== undefined) return 'EEXIST';
    mm.pt.set(page, { kind: 'marker', uffdWp: false, poison: true });
    return null;
  }
  if (kind === 'continue') {
    const inode = vma.inode!;
    const off = vma.pgoffOf(page);
    // shmem_get_folio(SGP_NOALLOC): -EINVAL past EOF; no page cache page: -EFAULT.
    if (off >= inode.size) return 'EINVAL';
    const folio = inode.cache.get(off);
    if (!folio) return 'EFAULT';
    if (!mm.pteNoneMostly(page)) return 'EEXIST';
    mm.pt.set(page, { kind: 'present', frame: folio, uffdWp: wp, cow: !vma.shared });
    return null;
  }
  if (vma.shared) {
    // shmem_mfill_atomic_pte(): the page goes into the page cache, then into the PTE.
    const inode = vma.inode!;
    const off = vma.pgoffOf(page);
    let data: Uint8Array | null = null;
    if (kind === 'copy') {
      data = src!(srcAddr);
      if (data === null) return 'EFAULT';
    }
    if (off >= inode.size) return 'EFAULT';
    if (inode.cache.has(off)) return 'EEXIST';
    if (!mm.pteNoneMostly(page)) return 'EEXIST';
    const folio = new PageFrame();
    if (data) folio.data.set(data);
    inode.cache.set(off, folio);
    mm.pt.set(page, { kind: 'present', frame: folio, uffdWp: wp, cow: false });
    return null;
  }
  if (kind === 'zeropage') {
    // mfill_atomic_pte_zeropage(): pte_none() strictly.
    if (pte !== undefined) return 'EEXIST';
    mm.pt.set(page, { kind: 'present', frame: ZERO_PAGE, uffdWp: false, cow: true });
    return null;
  }
  // mfill_atomic_pte_copy(): the source is copied first, then mfill_atomic_install_pte() checks pte_none_mostly().
  const data = src!(srcAddr);
  if (data === null) return 'EFAULT';
  if (!mm.pteNoneMostly(page)) return 'EEXIST';
  const folio = new PageFrame();
  folio.data.set(data);
  mm.pt.set(page, { kind: 'present', frame: folio, uffdWp: wp, cow: false });
  return null;
}

function outOf(r: bigint | ErrnoName): S64Out {
  return typeof r === 'bigint' ? { bytes: r } : { errno: r };
}

/** The tail shared by COPY, ZEROPAGE, CONTINUE, POISON and MOVE: put_user, wake, -EAGAIN for a short count. */
function finishRange(
  ctx: UffdCtx,
  r: bigint | ErrnoName,
  dst: bigint,
  len: bigint,
  dontwake: boolean,
): RangeRet {
  if (typeof r !== 'bigint') return { ...fail(r), out: outOf(r) };
  if (!dontwake) ctx.wake(dst, r);
  return r === len ? { ...OK, out: outOf(r) } : { ...fail('EAGAIN'), out: outOf(r) };
}

const unset = (e: ErrnoName): RangeRet => ({ ...fail(e), out: 'unset' });
const written = (e: ErrnoName): RangeRet => ({ ...fail(e), out: { errno: e } });

export function uffdioCopy(
  ctx: UffdCtx,
  dst: bigint,
  len: bigint,
  mode: bigint,
  src: SourceReader,
  srcStart: bigint,
): RangeRet {
  // 6.18 writes -EAGAIN to `copy` when an event is in flight (userfaultfd_spec.md §13.5).
  if (ctx.mmapChanging > 0) return written('EAGAIN');
  const bad = validateRange(dst, len);
  if (bad) return unset(bad);
  if (srcStart + len <= srcStart) return unset('EINVAL');
  const M = UFFDIO_COPY_MODE;
  if ((mode & ~(M.UFFDIO_COPY_MODE_DONTWAKE | M.UFFDIO_COPY_MODE_WP)) !== 0n) return unset('EINVAL');
  if (ctx.mm.users === 0) return unset('ESRCH');
  const wp = (mode & M.UFFDIO_COPY_MODE_WP) !== 0n;
  const r = mfillAtomic(ctx, dst, len, 'copy', wp, src, srcStart);
  return finishRange(ctx, r, dst, len, (mode & M.UFFDIO_COPY_MODE_DONTWAKE) !== 0n);
}

export function uffdioZeropage(ctx: UffdCtx, start: bigint, len: bigint, mode: bigint): RangeRet {
  if (ctx.mmapChanging > 0) return written('EAGAIN');
  const bad = validateRange(start, len);
  if (bad) return unset(bad);
  if ((mode & ~UFFDIO_ZEROPAGE_MODE.UFFDIO_ZEROPAGE_MODE_DONTWAKE) !== 0n) return unset('EINVAL');
  if (ctx.mm.users === 0) return unset('ESRCH');
  const r = mfillAtomic(ctx, start, len, 'zeropage', false, null, 0n);
  return finishRange(ctx, r, start, len, (mode & UFFDIO_ZEROPAGE_MODE.UFFDIO_ZEROPAGE_MODE_DONTWAKE) !== 0n);
}

export function uffdioContinue(ctx: UffdCtx, start: bigint, len: bigint, mode: bigint): RangeRet {
  if (ctx.mmapChanging > 0) return written('EAGAIN');
  const bad = validateRange(start, len);
  if (bad) return unset(bad);
  const M = UFFDIO_CONTINUE_MODE;
  if ((mode & ~(M.UFFDIO_CONTINUE_MODE_DONTWAKE | M.UFFDIO_CONTINUE_MODE_WP)) !== 0n) return unset('EINVAL');
  if (ctx.mm.users === 0) return unset('ESRCH');
  const r = mfillAtomic(ctx, start, len, 'continue', (mode & M.UFFDIO_CONTINUE_MODE_WP) !== 0n, null, 0n);
  return finishRange(ctx, r, start, len, (mode & M.UFFDIO_CONTINUE_MODE_DONTWAKE) !== 0n);
}

export function uffdioPoison(ctx: UffdCtx, start: bigint, len: bigint, mode: bigint): RangeRet {
  if (ctx.mmapChanging > 0) return written('EAGAIN');
  const bad = validateRange(start, len);
  if (bad) return unset(bad);
  if ((mode & ~UFFDIO_POISON_MODE.UFFDIO_POISON_MODE_DONTWAKE) !== 0n) return unset('EINVAL');
  if (ctx.mm.users === 0) return unset('ESRCH');
  const r = mfillAtomic(ctx, start, len, 'poison', false, null, 0n);
  return finishRange(ctx, r, start, len, (mode & UFFDIO_POISON_MODE.UFFDIO_POISON_MODE_DONTWAKE) !== 0n);
}

export function uffdioWriteprotect(ctx: UffdCtx, start: bigint, len: bigint, mode: bigint): SysRet {
  if (ctx.mmapChanging > 0) return fail('EAGAIN');
  const bad = validateRange(start, len);
  if (bad) return fail(bad);
  const M = UFFDIO_WRITEPROTECT_MODE;
  if ((mode & ~(M.UFFDIO_WRITEPROTECT_MODE_DONTWAKE | M.UFFDIO_WRITEPROTECT_MODE_WP)) !== 0n)
    return fail('EINVAL');
  const modeWp = (mode & M.UFFDIO_WRITEPROTECT_MODE_WP) !== 0n;
  const dontwake = (mode & M.UFFDIO_WRITEPROTECT_MODE_DONTWAKE) !== 0n;
  if (modeWp && dontwake) return fail('EINVAL');
  const mm = ctx.mm;
  if (mm.users === 0) return fail('ESRCH');
  // mwriteprotect_range()
  const s = pageOf(start);
  const e = pageOf(start + len);
  let err: ErrnoName | null = 'ENOENT';
  for (const v of mm.vmasIn(s, e)) {
    if (!v.uffd.wp) {
      err = 'ENOENT';
      break;
    }
    uffdWpRange(mm, v, Math.max(s, v.start), Math.min(e, v.end), modeWp);
    err = null;
  }
  if (err) return fail(err);
  if (!modeWp && !dontwake) ctx.wake(start, len);
  return OK;
}

/** UFFDIO_MOVE (6.8): userfaultfd_move() then move_pages(). `current` is the caller's mm. */
export function uffdioMove(
  ctx: UffdCtx,
  current: UffdMm,
  dst: bigint,
  src: bigint,
  len: bigint,
  mode: bigint,
): RangeRet {
  if (ctx.mmapChanging > 0) return written('EAGAIN');
  // Do not allow cross-mm moves.
  if (ctx.mm !== current) return unset('EINVAL');
  const bad = validateRange(dst, len) ?? validateRange(src, len);
  if (bad) return unset(bad);
  const M = UFFDIO_MOVE_MODE;
  if ((mode & ~(M.UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES | M.UFFDIO_MOVE_MODE_DONTWAKE)) !== 0n)
    return unset('EINVAL');
  if (ctx.mm.users === 0) return unset('ESRCH');
  const r = movePages(ctx, dst, src, len, (mode & M.UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES) !== 0n);
  return finishRange(ctx, r, dst, len, (mode & M.UFFDIO_MOVE_MODE_DONTWAKE) !== 0n);
}

function movePages(
  ctx: UffdCtx,
  dst: bigint,
  src: bigint,
  len: bigint,
  allowSrcHoles: boolean,
): bigint | ErrnoName {
  const mm = ctx.mm;
  const d = pageOf(dst);
  const s = pageOf(src);
  const n = Number(len / PS);
  // uffd_move_lock(): vma_lookup() of both ends.
  const dvma = mm.findVma(d);
  if (!dvma) return 'ENOENT';
  const svma = mm.findVma(s);
  if (!svma) return 'ENOENT';
  if (ctx.mmapChanging > 0) return 'EAGAIN';
  if (svma.shared || s + n > svma.end) return 'EINVAL';
  if (dvma.shared || d + n > dvma.end) return 'EINVAL';
  // validate_move_areas()
  const p = svma.prot;
  const q = dvma.prot;
  if (p.read !== q.read || p.write !== q.write || p.exec !== q.exec) return 'EINVAL';
  if (!p.write) return 'EINVAL';
  if (dvma.uffd.ctx !== ctx) return 'EINVAL';
  if (!svma.isAnonymous || !dvma.isAnonymous) return 'EINVAL';
  let moved = 0;
  let err: ErrnoName | null = null;
  for (let i = 0; i < n; i++) {
    const dp = d + i;
    const sp = s + i;
    if (mm.pt.has(dp)) {
      err = 'EEXIST';
      break;
    }
    const spte = mm.pt.get(sp);
    if (spte === undefined) {
      if (!allowSrcHoles) {
        err = 'ENOENT';
        break;
      }
    } else if (spte.kind === 'marker') {
      err = 'EFAULT';
      break;
    } else {
      mm.pt.set(dp, { kind: 'present', frame: spte.frame, uffdWp: false, cow: spte.frame.isZeroPage });
      mm.pt.delete(sp);
    }
    moved++;
  }
  return moved > 0 ? BigInt(moved) * PS : (err ?? 'EINVAL');
}

/** userfaultfd_poll(): POLLERR before UFFDIO_API and on a blocking file; POLLIN with a fault or event to read. */
export function uffdPoll(file: UffdFile): number {
  const POLLIN = 0x1;
  const POLLERR = 0x8;
  if (!file.ctx.initialized) return POLLERR;
  if (!file.nonblock) return POLLERR;
  return file.ctx.hasSomethingToRead() ? POLLIN : 0;
}

/** fput(): the last reference releases the ctx. */
export function fput(file: UffdFile): void {
  if (--file.refs === 0) uffdRelease(file.ctx);
}

/** userfaultfd_release(): no new faults can wait, every VMA of the ctx is cleared, every waiter woken. */
export function uffdRelease(ctx: UffdCtx): void {
  ctx.released = true;
  const mm = ctx.mm;
  if (mm.users > 0) {
    for (const v of [...mm.vmas]) if (v.uffd.ctx === ctx) userfaultfdClearVma(mm, v);
  }
  ctx.wake(0n, 0n);
}
