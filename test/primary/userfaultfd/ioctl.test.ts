import { describe, expect, it } from 'vitest';
import { UffdCtx } from '../../../src/primary/userfaultfd/ctx.js';
import {
  devUserfaultfd,
  pageOf,
  sysUserfaultfd,
  UffdFile,
  uffdioApi,
  uffdioContinue,
  uffdioCopy,
  uffdioMove,
  uffdioPoison,
  uffdioRegister,
  uffdioUnregister,
  uffdioWake,
  uffdioWriteprotect,
  uffdioZeropage,
  uffdPoll,
} from '../../../src/primary/userfaultfd/ioctl.js';
import { PAGE_SIZE, PageFrame, ShmemInode, Vma } from '../../../src/primary/userfaultfd/memory.js';
import { UffdProcess } from '../../../src/primary/userfaultfd/process.js';
import { UFFD_API_FEATURES, UFFD_FEATURE } from '../../../src/primary/userfaultfd/uapi.js';

const PS = BigInt(PAGE_SIZE);
const RW = { read: true, write: true, exec: false };
const BASE = 0x7f0000100000n;
const at = (page: number) => BASE + BigInt(page) * PS;
const pages = (n: number) => BigInt(n) * PS;
const fill = (b: number) => () => new Uint8Array(PAGE_SIZE).fill(b);

function setup(
  opts: { features?: bigint; shmem?: boolean; shared?: boolean; mayWrite?: boolean; n?: number } = {},
) {
  const proc = new UffdProcess();
  const n = opts.n ?? 4;
  const inode = opts.shmem ? new ShmemInode(n) : null;
  const start = pageOf(BASE);
  proc.mm.insert(new Vma(start, start + n, RW, opts.shared ?? false, inode, 0, opts.mayWrite ?? true));
  const file = sysUserfaultfd(proc, 0o4000n);
  if (typeof file === 'string') throw new Error(file);
  expect(uffdioApi(proc, file.ctx, 0xaan, opts.features ?? 0n).ret).toBe(0);
  return { proc, ctx: file.ctx, file, inode };
}

describe('userfaultfd(2) and /dev/userfaultfd', () => {
  it('needs CAP_SYS_PTRACE or UFFD_USER_MODE_ONLY when vm.unprivileged_userfaultfd is 0', () => {
    const proc = new UffdProcess();
    proc.capSysPtrace = false;
    expect(sysUserfaultfd(proc, 0n)).toBe('EPERM');
    expect(sysUserfaultfd(proc, 1n)).toBeInstanceOf(UffdFile);
    expect(devUserfaultfd(proc, 0n, 0n)).toBeInstanceOf(UffdFile);
    proc.unprivilegedUserfaultfd = true;
    expect(sysUserfaultfd(proc, 0n)).toBeInstanceOf(UffdFile);
  });
  it('accepts only O_NONBLOCK, O_CLOEXEC and UFFD_USER_MODE_ONLY; the device only USERFAULTFD_IOC_NEW', () => {
    const proc = new UffdProcess();
    expect(sysUserfaultfd(proc, 0x2n)).toBe('EINVAL');
    expect(sysUserfaultfd(proc, 0x80801n)).toBeInstanceOf(UffdFile);
    expect(devUserfaultfd(proc, 1n, 0n)).toBe('EINVAL');
    expect(devUserfaultfd(proc, 0n, 0x2n)).toBe('EINVAL');
  });
});

describe('UFFDIO_API: both negotiation semantics (seed 004)', () => {
  const fresh = (negotiation: 'strict' | 'lenient') => {
    const proc = new UffdProcess();
    return { proc, ctx: new UffdCtx(0n, proc.mm, negotiation) };
  };
  it('strict (the live kernel): an unknown bit fails with EINVAL, the struct zeroed, nothing enabled', () => {
    const { proc, ctx } = fresh('strict');
    expect(uffdioApi(proc, ctx, 0xaan, UFFD_FEATURE.UFFD_FEATURE_EVENT_REMOVE | (1n << 17n))).toEqual({
      ret: -1,
      errno: 'EINVAL',
      api: 0n,
      features: 0n,
      ioctls: 0n,
    });
    expect(ctx.initialized).toBe(false);
    expect(uffdioApi(proc, ctx, 0xabn, 0n).errno).toBe('EINVAL');
  });
  it('lenient (6.0-6.2, 914eedcb9ba0): unknown bits are dropped, the version is not checked, the supported set is reported', () => {
    const { proc, ctx } = fresh('lenient');
    const r = uffdioApi(proc, ctx, 0xaan, UFFD_FEATURE.UFFD_FEATURE_EVENT_REMOVE | (1n << 17n));
    expect(r).toEqual({ ret: 0, api: 0xaan, features: UFFD_API_FEATURES, ioctls: 0x8000000000000003n });
    expect(ctx.fdinfoFeatures).toBe(0x80000008n);
    const other = fresh('lenient');
    expect(uffdioApi(other.proc, other.ctx, 0xabn, 0n).ret).toBe(0);
  });
  it('a second UFFDIO_API fails (no two-step handshake on one fd), EVENT_FORK needs CAP_SYS_PTRACE, WP_ASYNC adds WP_UNPOPULATED', () => {
    const { proc, ctx } = fresh('strict');
    proc.capSysPtrace = false;
    expect(uffdioApi(proc, ctx, 0xaan, UFFD_FEATURE.UFFD_FEATURE_EVENT_FORK).errno).toBe('EPERM');
    expect(uffdioApi(proc, ctx, 0xaan, UFFD_FEATURE.UFFD_FEATURE_WP_ASYNC).ret).toBe(0);
    expect(ctx.fdinfoFeatures).toBe(0x8000a000n);
    expect(uffdioApi(proc, ctx, 0xaan, 0n).errno).toBe('EINVAL');
  });
});

describe('UFFDIO_REGISTER / UNREGISTER', () => {
  it('returns the range ioctl mask of the modes', () => {
    const { ctx } = setup({ shmem: true, shared: true });
    expect(uffdioRegister(ctx, at(0), pages(1), 1n).ioctls).toBe(0x13cn);
    expect(uffdioRegister(ctx, at(1), pages(1), 2n).ioctls).toBe(0x17cn);
    expect(uffdioRegister(ctx, at(2), pages(1), 4n).ioctls).toBe(0x1bcn);
    expect(uffdioRegister(ctx, at(3), pages(1), 7n).ioctls).toBe(0x1fcn);
  });
  it.each([
    ['mode 0', 0, 0n, 1, 'EINVAL'],
    ['an unknown mode bit', 0, 0x8n, 1, 'EINVAL'],
    ['an unaligned start', 0.5, 1n, 1, 'EINVAL'],
    ['no VMA in the range', 10, 1n, 1, 'EINVAL'],
    ['MINOR on anonymous memory', 0, 4n, 1, 'EINVAL'],
  ] as const)('%s: %s', (_what, page, mode, n, errno) => {
    const { ctx } = setup();
    const start = BASE + BigInt(Math.round(page * PAGE_SIZE));
    expect(uffdioRegister(ctx, start, pages(n), mode)).toEqual({ ret: -1, errno, ioctls: 'unset' });
  });
  it('EPERM without VM_MAYWRITE, EBUSY when another uffd owns a VMA of the range', () => {
    expect(
      uffdioRegister(setup({ shmem: true, shared: true, mayWrite: false }).ctx, at(0), pages(1), 1n).errno,
    ).toBe('EPERM');
    const { proc, ctx } = setup();
    const other = new UffdCtx(0n, proc.mm);
    other.initialized = true;
    expect(uffdioRegister(ctx, at(0), pages(2), 1n).ret).toBe(0);
    expect(uffdioRegister(other, at(1), pages(2), 1n).errno).toBe('EBUSY');
    expect(uffdioRegister(other, at(2), pages(2), 1n).ret).toBe(0);
    expect(uffdioUnregister(other, at(0), pages(1))).toEqual({ ret: -1, errno: 'EINVAL' });
  });
  it('UNREGISTER wakes MISSING waiters of the range but not WP ones', () => {
    const { ctx } = setup();
    uffdioRegister(ctx, at(0), pages(1), 1n);
    uffdioRegister(ctx, at(1), pages(1), 2n);
    const missing = {
      msg: { event: 'PAGEFAULT' as const, flags: 0n, address: at(0), ptid: null },
      waken: false,
    };
    const wp = { msg: { event: 'PAGEFAULT' as const, flags: 3n, address: at(1), ptid: null }, waken: false };
    ctx.faultPending.push(missing, wp);
    expect(uffdioUnregister(ctx, at(0), pages(2)).ret).toBe(0);
    expect([missing.waken, wp.waken]).toEqual([true, false]);
  });
});

describe('the fill ioctls', () => {
  it('COPY: EINVAL before the VMA is looked at (out-field unset), ENOENT, EEXIST, partial EAGAIN, EFAULT', () => {
    const { ctx, proc } = setup();
    uffdioRegister(ctx, at(0), pages(3), 1n);
    expect(uffdioCopy(ctx, at(0) + 16n, pages(1), 0n, fill(1), 0x1000n)).toEqual({
      ret: -1,
      errno: 'EINVAL',
      out: 'unset',
    });
    expect(uffdioCopy(ctx, at(0), pages(1), 4n, fill(1), 0x1000n).out).toBe('unset');
    expect(uffdioCopy(ctx, at(3), pages(2), 0n, fill(1), 0x1000n)).toEqual({
      ret: -1,
      errno: 'ENOENT',
      out: { errno: 'ENOENT' },
    });
    expect(uffdioCopy(ctx, at(1), pages(1), 0n, fill(1), 0x1000n)).toEqual({ ret: 0, out: { bytes: PS } });
    expect(uffdioCopy(ctx, at(0), pages(3), 0n, fill(2), 0x1000n)).toEqual({
      ret: -1,
      errno: 'EAGAIN',
      out: { bytes: PS },
    });
    expect(uffdioCopy(ctx, at(1), pages(1), 0n, fill(2), 0x1000n).errno).toBe('EEXIST');
    expect(uffdioCopy(ctx, at(2), pages(1), 0n, () => null, 0x1000n).errno).toBe('EFAULT');
    expect(proc.mm.pt.get(pageOf(at(0)))?.kind).toBe('present');
  });
  it('an unread event makes COPY, ZEROPAGE, CONTINUE, POISON and MOVE write -EAGAIN, WRITEPROTECT fail EAGAIN, WAKE succeed', () => {
    const { ctx, proc } = setup();
    uffdioRegister(ctx, at(0), pages(2), 3n);
    ctx.mmapChanging = 1;
    const eagain = { ret: -1, errno: 'EAGAIN', out: { errno: 'EAGAIN' } };
    expect(uffdioCopy(ctx, at(0), pages(1), 0n, fill(1), 0x1000n)).toEqual(eagain);
    expect(uffdioZeropage(ctx, at(0), pages(1), 0n)).toEqual(eagain);
    expect(uffdioContinue(ctx, at(0), pages(1), 0n)).toEqual(eagain);
    expect(uffdioPoison(ctx, at(0), pages(1), 0n)).toEqual(eagain);
    expect(uffdioMove(ctx, proc.mm, at(0), at(1), pages(1), 0n)).toEqual(eagain);
    expect(uffdioWriteprotect(ctx, at(0), pages(1), 1n)).toEqual({ ret: -1, errno: 'EAGAIN' });
    expect(uffdioWake(ctx, at(0), pages(1))).toEqual({ ret: 0 });
  });
  it('CONTINUE: EINVAL on anonymous memory and past EOF, EFAULT with no cached page, EEXIST when mapped', () => {
    const anon = setup();
    uffdioRegister(anon.ctx, at(0), pages(1), 1n);
    expect(uffdioContinue(anon.ctx, at(0), pages(1), 0n).out).toEqual({ errno: 'EINVAL' });
    const { ctx, inode } = setup({ shmem: true, shared: true, n: 2 });
    uffdioRegister(ctx, at(0), pages(2), 4n);
    expect(uffdioContinue(ctx, at(0), pages(1), 0n).out).toEqual({ errno: 'EFAULT' });
    inode!.cache.set(0, new PageFrame());
    inode!.size = 1;
    expect(uffdioContinue(ctx, at(1), pages(1), 0n).out).toEqual({ errno: 'EINVAL' });
  });
  it('POISON refuses any non-empty PTE, markers included; ZEROPAGE maps the zero page', () => {
    const { ctx, proc } = setup({ features: UFFD_FEATURE.UFFD_FEATURE_WP_UNPOPULATED });
    uffdioRegister(ctx, at(0), pages(2), 3n);
    expect(uffdioWriteprotect(ctx, at(0), pages(1), 1n).ret).toBe(0);
    expect(proc.mm.pt.get(pageOf(at(0)))).toEqual({ kind: 'marker', uffdWp: true, poison: false });
    expect(uffdioPoison(ctx, at(0), pages(1), 0n).out).toEqual({ errno: 'EEXIST' });
    expect(uffdioZeropage(ctx, at(1), pages(1), 0n).ret).toBe(0);
    expect(uffdioPoison(ctx, at(1), pages(1), 2n).out).toBe('unset');
  });
  it('WRITEPROTECT: ENOENT outside WP ranges, EINVAL for WP|DONTWAKE', () => {
    const { ctx } = setup();
    uffdioRegister(ctx, at(0), pages(1), 1n);
    expect(uffdioWriteprotect(ctx, at(0), pages(1), 1n)).toEqual({ ret: -1, errno: 'ENOENT' });
    expect(uffdioWriteprotect(ctx, at(20), pages(1), 1n)).toEqual({ ret: -1, errno: 'ENOENT' });
    expect(uffdioWriteprotect(ctx, at(0), pages(1), 3n)).toEqual({ ret: -1, errno: 'EINVAL' });
  });
  it('MOVE: cross-mm EINVAL (unset), dst not registered to this uffd EINVAL, src hole ENOENT unless ALLOW_SRC_HOLES', () => {
    const { ctx, proc } = setup({ n: 4 });
    uffdioRegister(ctx, at(0), pages(2), 1n);
    expect(uffdioMove(ctx, new UffdProcess().mm, at(0), at(2), pages(1), 0n)).toEqual({
      ret: -1,
      errno: 'EINVAL',
      out: 'unset',
    });
    expect(uffdioMove(ctx, proc.mm, at(2), at(3), pages(1), 0n).out).toEqual({ errno: 'EINVAL' });
    expect(uffdioMove(ctx, proc.mm, at(0), at(2), pages(1), 0n).out).toEqual({ errno: 'ENOENT' });
    expect(uffdioMove(ctx, proc.mm, at(0), at(2), pages(1), 2n)).toEqual({ ret: 0, out: { bytes: PS } });
  });
  it('poll: ERR before API and on a blocking file, IN with a queued fault', () => {
    const proc = new UffdProcess();
    const blocking = new UffdFile(new UffdCtx(0n, proc.mm));
    expect(uffdPoll(blocking)).toBe(0x8);
    const { file, ctx } = setup();
    expect(uffdPoll(file)).toBe(0);
    ctx.faultPending.push({
      msg: { event: 'PAGEFAULT', flags: 0n, address: at(0), ptid: null },
      waken: false,
    });
    expect(uffdPoll(file)).toBe(0x1);
  });
});
