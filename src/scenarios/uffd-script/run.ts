/**
 * Runs a parsed `.uffd` script on the userfaultfd model (src/primary/userfaultfd) and returns the
 * result the oracle would print. The main thread and every helper thread are simulated threads
 * of one run; the scheduler always runs a helper that can run before the main thread, so the
 * main thread's next line starts only when every helper is done or asleep in the kernel. A wait of
 * the main thread (a sync thread-run op, `join`, `wait`, `poll`, `sleep`) that finds its
 * condition false then advances a virtual clock: to the next deadline of a timed sleep of some
 * helper (poll, a parent waiting for its child), else to its own timeout. So `blocked` means
 * exactly "asleep in the kernel when nothing else could happen before the timeout".
 */

import type { UffdMsg } from '../../primary/userfaultfd/ctx.js';
import {
  exitMm,
  sysFork,
  sysMadvise,
  sysMprotect,
  sysMremap,
  sysMunmap,
  uffdRead,
} from '../../primary/userfaultfd/events.js';
import { accessByte } from '../../primary/userfaultfd/fault.js';
import {
  devUserfaultfd,
  fput,
  pageOf,
  peekUserPage,
  type SourceReader,
  sysUserfaultfd,
  type UffdFile,
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
} from '../../primary/userfaultfd/ioctl.js';
import type { UffdTask } from '../../primary/userfaultfd/kernel.js';
import { PAGE_SIZE, type Prot, ShmemInode, Vma } from '../../primary/userfaultfd/memory.js';
import { UffdProcess } from '../../primary/userfaultfd/process.js';
import type { RangeRet, S64Out, SysRet } from '../../primary/userfaultfd/results.js';
import { UFFD_API, UFFD_API_IOCTLS, UFFD_API_RANGE_IOCTLS } from '../../primary/userfaultfd/uapi.js';
import { spawnThread } from '../../sim/api.js';
import { Runtime, type Scheduler } from '../../sim/runtime.js';
import { type Sim, SimObject, Step } from '../../sim/step.js';
import type { SimThread } from '../../sim/thread.js';
import { locateAddress, type SlotBase } from './address.js';
import type { ScriptAddress, ScriptLength, ScriptStep, UffdScript } from './ast.js';
import type {
  AccessResult,
  OutField,
  PagemapEntry,
  ScriptResult,
  StepResult,
  ThreadResults,
  UffdMsgResult,
} from './result.js';
import type { ThreadRunOp } from './syntax.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE, SLOT_HEAD_PAGES, SLOT_PAGES } from './syntax.js';

const PS = BigInt(PAGE_SIZE);
const U64 = (1n << 64n) - 1n;
/** Where the slots start (the oracle's PROT_NONE arena; its first slot stays a hole). */
const ARENA = 0x7f0000000000n;
/** The oracle's COPY source: 64 private pages filled with `fill=`. */
const SRC_BUFFER = 0x7e0000000000n;
const SRC_BUFFER_PAGES = 64n;
/** The oracle caps a read buffer at 2048 bytes. */
const READ_BUFFER_CAP = 2048n;

/** `(int)x` of a u64, as the oracle casts timeouts and counts. */
function cInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** A wait of the main thread: always enabled; the scheduler runs it only when no helper can run. */
class MainWait extends SimObject {
  readonly step = new Step(this, 'main-wait', 'none');
  constructor() {
    super('main');
  }
  override run(): unknown {
    return undefined;
  }
}

/** Helpers first (lowest id), the main thread (id 0) last. */
const helpersFirst: Scheduler = {
  pickThread(enabled: readonly SimThread[]): number {
    const i = enabled.findIndex((t) => t.id !== 0);
    return i >= 0 ? i : 0;
  },
  pickValue(): number {
    return 0;
  },
};

interface TaskRecord<K extends ThreadRunOp = ThreadRunOp> {
  readonly op: K;
  readonly task: UffdTask;
  done: boolean;
  /** The finished thread's fields, or `blocked` for a read that was interrupted. */
  out: ThreadResults[K] | 'blocked' | undefined;
}

interface Mapping {
  readonly base: bigint;
  readonly inode: ShmemInode | null;
}

class ScriptRun {
  readonly proc = new UffdProcess();
  readonly k = this.proc.kernel;
  readonly wait = new MainWait();
  readonly handles = new Map<string, UffdFile | null>();
  /** The process's fd table: every userfaultfd file open (a rebound name leaves its old fd open). */
  readonly fdTable = new Set<UffdFile>();
  readonly mappings = new Map<string, Mapping>();
  readonly slots: SlotBase[] = [];
  readonly tasks = new Map<string, TaskRecord>();
  readonly results: StepResult[] = [];
  readonly mainTask: UffdTask = { name: 'main', mm: this.proc.mm, killed: false, interrupted: false };

  constructor(readonly script: UffdScript) {}

  address(a: ScriptAddress): bigint {
    if (a.kind === 'absolute') return a.address;
    const m = this.mappings.get(a.mapping);
    const base = m?.base ?? 0n;
    return (base + a.page * PS + a.offset) & U64;
  }

  length(l: ScriptLength): bigint {
    return (l.pages * PS + l.bytes) & U64;
  }

  render(addr: bigint) {
    return locateAddress(this.slots, addr);
  }

  /** Waits up to `ms` virtual milliseconds for `cond`, letting helpers run and timed sleeps expire. */
  *mainWait(cond: () => boolean, ms: number): Sim<boolean> {
    const clock = this.k.clock;
    const end = clock.now + Math.max(0, ms);
    for (;;) {
      yield this.wait.step;
      if (cond()) return true;
      const next = clock.next();
      if (next !== undefined && next <= end) {
        clock.now = next;
        continue;
      }
      clock.now = end;
      return false;
    }
  }

  *main(): Sim<void> {
    for (const step of this.script.steps) {
      const r = yield* this.step(step);
      this.results.push(r);
    }
  }

  file(name: string): UffdFile | null {
    return this.handles.get(name) ?? null;
  }

  *step(s: ScriptStep): Sim<StepResult> {
    const head = { line: s.line } as const;
    const k = this.k;
    switch (s.op) {
      case 'uffd': {
        const r = yield* k.atomic('userfaultfd', () =>
          s.device === null
            ? sysUserfaultfd(this.proc, BigInt.asIntN(32, s.flags) & 0xffffffffn)
            : devUserfaultfd(this.proc, s.device.nr, BigInt.asIntN(32, s.flags) & 0xffffffffn),
        );
        this.handles.set(s.uffd, typeof r === 'string' ? null : r);
        if (typeof r !== 'string') this.fdTable.add(r);
        return { ...head, op: 'uffd', ...sys(r) };
      }
      case 'api': {
        const f = this.file(s.uffd);
        if (!f)
          return {
            ...head,
            op: 'api',
            ret: -1,
            errno: 'EBADF',
            api: s.api,
            features: s.features,
            ioctls: 'unset',
          };
        const r = yield* k.atomic('UFFDIO_API', () => uffdioApi(this.proc, f.ctx, s.api, s.features));
        return { ...head, op: 'api', ...ret(r), api: r.api, features: r.features, ioctls: r.ioctls };
      }
      case 'mmap':
        return { ...head, op: 'mmap', ...(yield* k.atomic('mmap', () => this.mmap(s))) };
      case 'reserve':
        this.claimSlot(s.mapping, null);
        return { ...head, op: 'reserve', ret: 0 };
      case 'mprotect': {
        const r = yield* k.atomic('mprotect', () =>
          sysMprotect(this.proc.mm, this.address(s.start), this.length(s.len), protOf(s.prot)),
        );
        return { ...head, op: 'mprotect', ...ret(r) };
      }
      case 'register': {
        const f = this.file(s.uffd);
        if (!f?.ctx.initialized) return { ...head, op: 'register', ...bad(f), ioctls: 'unset' };
        const r = yield* k.atomic('UFFDIO_REGISTER', () =>
          uffdioRegister(f.ctx, this.address(s.start), this.length(s.len), s.mode),
        );
        return { ...head, op: 'register', ...ret(r), ioctls: r.ioctls };
      }
      case 'unregister':
      case 'wake':
      case 'writeprotect': {
        const f = this.file(s.uffd);
        if (!f?.ctx.initialized) return { ...head, op: s.op, ...bad(f) };
        const start = this.address(s.start);
        const len = this.length(s.len);
        const r = yield* k.atomic(s.op, () =>
          s.op === 'unregister'
            ? uffdioUnregister(f.ctx, start, len)
            : s.op === 'wake'
              ? uffdioWake(f.ctx, start, len)
              : uffdioWriteprotect(f.ctx, start, len, s.mode),
        );
        return { ...head, op: s.op, ...ret(r) };
      }
      case 'copy':
      case 'zeropage':
      case 'continue':
      case 'poison':
      case 'move': {
        const f = this.file(s.uffd);
        if (!f?.ctx.initialized) return { ...head, op: s.op, ...bad(f), out: 'unset' };
        const dst = this.address(s.start);
        const len = this.length(s.len);
        const r = yield* k.atomic(`UFFDIO_${s.op.toUpperCase()}`, (): RangeRet => {
          switch (s.op) {
            case 'copy': {
              const [reader, from] = this.copySource(s.src);
              return uffdioCopy(f.ctx, dst, len, s.mode, reader, from);
            }
            case 'zeropage':
              return uffdioZeropage(f.ctx, dst, len, s.mode);
            case 'continue':
              return uffdioContinue(f.ctx, dst, len, s.mode);
            case 'poison':
              return uffdioPoison(f.ctx, dst, len, s.mode);
            default:
              return uffdioMove(f.ctx, this.proc.mm, dst, this.address(s.src), len, s.mode);
          }
        });
        return { ...head, op: s.op, ...ret(r), out: outField(r.out) };
      }
      case 'close': {
        const f = this.file(s.uffd);
        if (!f) return { ...head, op: 'close', ret: -1, errno: 'EBADF' };
        // The file is released only with its last reference: a forked child's fd table holds one.
        yield* k.atomic('close', () => {
          this.fdTable.delete(f);
          fput(f);
        });
        this.handles.set(s.uffd, null);
        return { ...head, op: 'close', ret: 0 };
      }
      case 'fdinfo': {
        const f = this.file(s.uffd);
        if (!f) return { ...head, op: 'fdinfo', result: 'no-fdinfo' };
        const c = f.ctx.fdinfoCounts();
        return {
          ...head,
          op: 'fdinfo',
          ...c,
          api: UFFD_API,
          features: f.ctx.fdinfoFeatures,
          ioctls: UFFD_API_IOCTLS | UFFD_API_RANGE_IOCTLS,
        };
      }
      case 'wait': {
        const f = this.file(s.uffd);
        if (!f) return { ...head, op: 'wait', result: 'no-fdinfo' };
        const want = () => {
          const c = f.ctx.fdinfoCounts();
          return (
            (s.pending === null || c.pending >= Number(BigInt.asIntN(64, s.pending))) &&
            (s.total === null || c.total >= Number(BigInt.asIntN(64, s.total)))
          );
        };
        const ok = yield* this.mainWait(want, Number(BigInt.asIntN(64, s.waitMs)));
        return { ...head, op: 'wait', result: ok ? 'ok' : 'timeout', ...f.ctx.fdinfoCounts() };
      }
      case 'poll': {
        const f = this.file(s.uffd);
        // poll(2) ignores a negative fd: nothing happens, revents 0.
        if (!f) return { ...head, op: 'poll', ret: 0, revents: 0 };
        yield* this.mainWait(() => uffdPoll(f) !== 0, cInt(s.waitMs));
        const revents = uffdPoll(f);
        return { ...head, op: 'poll', ret: revents !== 0 ? 1 : 0, revents };
      }
      case 'pagemap':
        return { ...head, op: 'pagemap', pages: this.pagemap(this.address(s.address), s.pages) };
      case 'bad_ioctl': {
        // userfaultfd_ioctl(): an unknown command is EINVAL (not ENOTTY), initialised or not.
        const f = this.file(s.uffd);
        return { ...head, op: 'bad_ioctl', ret: -1, errno: f ? 'EINVAL' : 'EBADF' };
      }
      case 'sleep':
        yield* this.mainWait(() => false, cInt(s.ms));
        return { ...head, op: 'sleep' };
      case 'drop_ptrace':
        this.proc.capSysPtrace = false;
        return { ...head, op: 'drop_ptrace', ret: 0 };
      case 'join': {
        const t = this.tasks.get(s.thread);
        if (!t) throw new Error(`join of unknown thread ${s.thread}`);
        yield* this.mainWait(() => t.done, cInt(s.timeoutMs));
        return {
          ...head,
          op: 'join',
          thread: s.thread,
          of: t.op,
          outcome: t.done && t.out !== undefined ? t.out : 'blocked',
        } as StepResult;
      }
      default:
        return yield* this.threadRun(s);
    }
  }

  copySource(src: Extract<ScriptStep, { op: 'copy' }>['src']): [SourceReader, bigint] {
    if (src.kind === 'address') return [(a) => peekUserPage(this.proc.mm, a), this.address(src.address)];
    const page = new Uint8Array(PAGE_SIZE).fill(Number(src.fill & 0xffn));
    const end = SRC_BUFFER + SRC_BUFFER_PAGES * PS;
    return [(a) => (a >= SRC_BUFFER && a < end ? page : peekUserPage(this.proc.mm, a)), SRC_BUFFER];
  }

  claimSlot(name: string, inode: ShmemInode | null): bigint {
    const slot0 = ARENA + BigInt(this.slots.length + 1) * BigInt(SLOT_PAGES) * PS;
    const base = slot0 + BigInt(SLOT_HEAD_PAGES) * PS;
    this.slots.push({ name, base });
    this.mappings.set(name, { base, inode });
    return base;
  }

  mmap(s: Extract<ScriptStep, { op: 'mmap' }>): SysRet {
    let inode: ShmemInode | null = null;
    let err: SysRet | null = null;
    const pages = Number(s.pages);
    if (s.backing.kind === 'alias') {
      const of = this.mappings.get(s.backing.of);
      // The alias maps the memfd of its target; a target without one gives mmap(fd = -1): EBADF.
      if (!of?.inode) err = { ret: -1, errno: 'EBADF' };
      inode = of?.inode ?? null;
    } else if (s.backing.kind === 'memfd' || s.shared) {
      inode = new ShmemInode(pages);
    }
    // Only a memfd can be aliased: MAP_SHARED|MAP_ANONYMOUS has no fd for the oracle to map again.
    const base = this.claimSlot(s.mapping, s.backing.kind === 'anon' ? null : inode);
    if (err) return err;
    const prot = protOf(s.prot);
    const roFd = s.roFd && s.backing.kind !== 'anon';
    if (roFd && s.shared && prot.write) return { ret: -1, errno: 'EACCES' };
    const start = pageOf(base);
    this.proc.mm.insert(new Vma(start, start + pages, prot, s.shared, inode, 0, !(s.shared && roFd)));
    return { ret: 0 };
  }

  pagemap(addr: bigint, n: bigint): PagemapEntry[] {
    const first = pageOf(addr - (addr % PS));
    const out: PagemapEntry[] = [];
    for (let i = 0; i < Number(n); i++) {
      const pte = this.proc.mm.pt.get(first + i);
      if (!pte) out.push({ state: '-', uffdWp: false });
      else if (pte.kind === 'present') out.push({ state: 'P', uffdWp: pte.uffdWp });
      else out.push({ state: 'S', uffdWp: pte.uffdWp });
    }
    return out;
  }

  newTask(name: string, mm = this.proc.mm): UffdTask {
    return { name, mm, killed: false, interrupted: false };
  }

  msgResult(m: UffdMsg & { file?: UffdFile }, bind: { name: string | null; bound: boolean }): UffdMsgResult {
    if (m.file) this.fdTable.add(m.file);
    switch (m.event) {
      case 'PAGEFAULT':
        return {
          event: 'PAGEFAULT',
          flags: m.flags,
          address: this.render(m.address),
          ptid: m.ptid ?? '0',
          clean: true,
        };
      case 'FORK': {
        if (bind.name !== null && !bind.bound && m.file) {
          bind.bound = true;
          this.handles.set(bind.name, m.file);
          return { event: 'FORK', ufd: bind.name, clean: true };
        }
        return { event: 'FORK', ufd: 'unbound', clean: true };
      }
      case 'REMAP':
        return {
          event: 'REMAP',
          from: this.render(m.from),
          to: this.render(m.to),
          len: Number(m.len),
          clean: true,
        };
      default:
        return { event: m.event, start: this.render(m.start), end: this.render(m.end), clean: true };
    }
  }

  /** The body of a thread-run op, as the helper thread runs it (uffd_oracle.c `run_task_body`). */
  *body(
    s: Extract<ScriptStep, { op: ThreadRunOp }>,
    task: UffdTask,
    rec: TaskRecord,
  ): Sim<ThreadResults[ThreadRunOp] | 'blocked'> {
    const k = this.k;
    switch (s.op) {
      case 'touch': {
        const write = s.access === 'write';
        const r = yield* accessByte(k, task, this.address(s.address), write, Number(s.value & 0xffn), true);
        return accessResult(r, write);
      }
      case 'kwrite':
      case 'kread': {
        const write = s.op === 'kwrite';
        const r = yield* accessByte(k, task, this.address(s.address), write, 0, false);
        if (r.kind !== 'done') return { result: 'done', ret: -1, errno: 'EFAULT' };
        return write ? { result: 'done', ret: 1 } : { result: 'done', ret: 1, value: r.value };
      }
      case 'madvise': {
        const r = yield* sysMadvise(k, task, this.address(s.start), this.length(s.len), s.advice);
        return { result: 'done', ...ret(r) };
      }
      case 'munmap': {
        const r = yield* sysMunmap(k, task, this.address(s.start), this.length(s.len));
        return { result: 'done', ...ret(r) };
      }
      case 'mremap': {
        const to = s.to === null ? 0n : this.address(s.to);
        const r = yield* sysMremap(
          k,
          task,
          this.address(s.start),
          this.length(s.len),
          this.length(s.newLen),
          to === 0n ? null : to,
        );
        return r.addr === undefined
          ? { result: 'done', ...ret(r) }
          : { result: 'done', ret: 0, addr: this.render(r.addr) };
      }
      case 'fork':
        return yield* this.fork(s, task);
      case 'read_msg': {
        const f = this.file(s.uffd);
        if (!f) return { result: 'done', ret: -1, errno: 'EBADF' };
        const waitMs = cInt(s.waitMs);
        if (f.nonblock && waitMs > 0) {
          yield* k.sleepTimed('poll', () => uffdPoll(f) !== 0 || task.interrupted, waitMs);
        }
        const max = BigInt.asUintN(64, BigInt(cInt(s.max)));
        let cap = s.bytes !== null && s.bytes !== 0n ? s.bytes : (32n * max) & U64;
        if (cap > READ_BUFFER_CAP) cap = READ_BUFFER_CAP;
        const r = yield* uffdRead(k, task, f, Number(cap));
        if (r.ret === -1 && r.errno === 'EINTR' && task.interrupted) return 'blocked';
        const bind = { name: s.bind, bound: false };
        const msgs = r.msgs.map((m) => this.msgResult(m, bind));
        return r.ret > 0 ? { result: 'done', ret: r.ret, msgs } : { result: 'done', ...ret(r) };
      }
    }
    void rec;
  }

  *fork(s: Extract<ScriptStep, { op: 'fork' }>, task: UffdTask): Sim<ThreadResults['fork']> {
    const k = this.k;
    const childName = `${task.name}.child`;
    // copy_files() comes before copy_mm(): the child holds a reference to every open uffd.
    const inherited = [...this.fdTable];
    for (const f of inherited) f.refs++;
    const childMm = yield* sysFork(k, task, childName);
    const child = this.newTask(childName, childMm);
    const state: { done: boolean; out: AccessResult | { result: 'done' } | null } = {
      done: false,
      out: null,
    };
    const access = s.child;
    yield* spawnThread(
      childName,
      function* (this: ScriptRun): Sim<void> {
        if (access !== null) {
          const write = access.access === 'write';
          const r = yield* accessByte(k, child, this.address(access.address), write, 0x77, true);
          state.out = r.kind === 'killed' ? null : accessResult(r, write);
        } else {
          state.out = { result: 'done' };
        }
        yield* k.atomic('do_exit', () => {
          exitMm(childMm);
          for (const f of inherited) fput(f);
        });
        state.done = true;
      }.bind(this),
      { daemon: true },
    );
    const exited = yield* k.sleepTimed('waitpid', () => state.done, cInt(s.childTimeoutMs));
    if (!exited) {
      child.killed = true;
      yield* k.sleepUntil('waitpid:killed', () => state.done);
      return { result: 'done', ret: 0, child: 'blocked' };
    }
    return { result: 'done', ret: 0, child: { exit: 0, access: state.out } };
  }

  *threadRun(s: Extract<ScriptStep, { op: ThreadRunOp }>): Sim<StepResult> {
    const name = s.run.async ?? `@${s.line}`;
    const task = this.newTask(name);
    const rec: TaskRecord = { op: s.op, task, done: false, out: undefined };
    this.tasks.set(name, rec);
    const self = this;
    yield* spawnThread(
      name,
      function* (): Sim<void> {
        rec.out = yield* self.body(s, task, rec);
        rec.done = true;
      },
      { daemon: true },
    );
    const head = { line: s.line, op: s.op };
    if (s.run.async !== null) return { ...head, outcome: { async: s.run.async } } as StepResult;
    let fin: boolean;
    if (s.op === 'read_msg') {
      // A sync read: wait_ms (+1000 on an O_NONBLOCK fd), then interrupt a read still asleep.
      const f = this.file(s.uffd);
      const waitMs = cInt(s.waitMs);
      fin = yield* this.mainWait(() => rec.done, f?.nonblock ? waitMs + 1000 : waitMs);
      if (!fin) {
        task.interrupted = true;
        fin = yield* this.mainWait(() => rec.done, 1100);
      }
    } else {
      fin = yield* this.mainWait(() => rec.done, cInt(s.run.timeoutMs));
    }
    const outcome = fin && rec.out !== undefined ? rec.out : 'blocked';
    return { ...head, outcome } as StepResult;
  }
}

/** x86-64 has no write-only or execute-only pages: any PROT bit allows reads. */
function protOf(bits: number): Prot {
  return {
    read: (bits & (PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0,
    write: (bits & PROT_WRITE) !== 0,
    exec: (bits & PROT_EXEC) !== 0,
  };
}

function accessResult(r: { kind: string; value?: number }, write: boolean): AccessResult {
  if (r.kind === 'SIGBUS') return { result: 'SIGBUS' };
  if (r.kind === 'done') return write ? { result: 'done' } : { result: 'done', value: r.value ?? 0 };
  return { result: 'SIGSEGV' };
}

function ret(r: SysRet): SysRet {
  return r.ret === -1 ? { ret: -1, errno: r.errno ?? 'EINVAL' } : { ret: r.ret };
}

function sys(r: UffdFile | string): SysRet {
  return typeof r === 'string' ? { ret: -1, errno: r as SysRet['errno'] & string } : { ret: 0 };
}

/** A closed handle (EBADF), or an fd before UFFDIO_API (userfaultfd_ioctl(): EINVAL). */
function bad(f: UffdFile | null): SysRet {
  return { ret: -1, errno: f ? 'EINVAL' : 'EBADF' };
}

function outField(o: S64Out): OutField {
  if (o === 'unset') return 'unset';
  if ('errno' in o) return { errno: o.errno };
  return { bytes: Number(o.bytes) };
}

/** Runs one script on a fresh model process. */
export function runUffdScript(script: UffdScript): ScriptResult {
  const run = new ScriptRun(script);
  const rt = new Runtime({ scheduler: helpersFirst, maxSteps: 1_000_000 });
  let mainDone = false;
  rt.setup(() => {
    rt.spawn('main', function* () {
      yield* run.main();
      mainDone = true;
    });
  });
  const r = rt.execute();
  if (r.violation && !mainDone) {
    return {
      scenario: script.name,
      steps: run.results,
      status: `crash:mmulab model: ${r.violation.message}`,
    };
  }
  return { scenario: script.name, steps: run.results, status: 'ok' };
}
