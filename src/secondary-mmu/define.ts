import type { SecondaryView, Translation } from '../check/view.js';
import { MmulabError } from '../errors.js';
import type { MmuNotifierChain } from '../notifier/chain.js';
import type { MmuNotifier, MmuNotifierOps } from '../notifier/ops.js';
import type { Mm } from '../primary/mm.js';
import type { MmuNotifierRange } from '../primary/notify.js';
import { getUserPages } from '../primary/ops/gup.js';
import type { PageFrame } from '../primary/page.js';
import type { Sim, Step } from '../sim/step.js';
import { fail, ViolationSignal } from '../sim/violation.js';
import { DeviceTlb } from './device-tlb.js';

/** The bug flags a driver was built with: each name of its `bugs` table, on or off. */
export type BugFlags<B extends string> = Readonly<Record<B, boolean>>;

/**
 * The notifier callbacks of a driver written with defineSecondaryMmu: the kernel's
 * mmu_notifier_ops (src/notifier/ops.ts gives each one's contract), each handed the driver's
 * state `d` first and its bug flags last. Every one is optional, as in the kernel.
 */
export interface DriverOps<D, B extends string> {
  invalidateRangeStart?(d: D, range: MmuNotifierRange, bugs: BugFlags<B>): Sim<0 | 'EAGAIN'>;
  invalidateRangeEnd?(d: D, range: MmuNotifierRange, bugs: BugFlags<B>): Sim<void>;
  clearFlushYoung?(d: D, start: number, end: number, bugs: BugFlags<B>): Sim<boolean>;
  clearYoung?(d: D, start: number, end: number, bugs: BugFlags<B>): Sim<boolean>;
  testYoung?(d: D, addr: number, bugs: BugFlags<B>): Sim<boolean>;
  release?(d: D, bugs: BugFlags<B>): Sim<void>;
  /**
   * arch_invalidate_secondary_tlbs (6.6+; invalidate_range before): called from the CPU TLB
   * flush, after the PTEs changed and before the pages are freed, with preemption off: it
   * must not sleep.
   */
  archInvalidateSecondaryTlbs?(d: D, start: number, end: number, bugs: BugFlags<B>): Sim<void>;
  /**
   * invalidate_range (3.19–6.5): the same flush under its older name, called by an Mm of era
   * '4.13' from ptep_clear_flush_notify (under the PT lock), the mmu_gather flush and range_end.
   */
  invalidateRange?(d: D, start: number, end: number, bugs: BugFlags<B>): Sim<void>;
}

/** What a driver author writes: see docs/driver-guide.md. */
export interface SecondaryMmuSpec<D extends object, B extends string> {
  /** The subscriber's name in traces (`toy-tlb`). */
  readonly name: string;
  /** Bug flags: name to what the code gets wrong when it is on. Off by default. */
  readonly bugs: Readonly<Record<B, string>>;
  /** Fresh driver state for one run: its locks, counters and DeviceTlbs (found by scanning). */
  init(mm: Mm): D;
  readonly ops: DriverOps<D, B>;
  /**
   * The device fault path: make a translation for `addr` (with write permission if `write`)
   * or decide there is none. True: the device retries its access (which may fault again);
   * false: no page there (the device reports an error).
   */
  access(d: D, mm: Mm, addr: number, write: boolean, bugs: BugFlags<B>): Sim<boolean>;
  /** The driver's count of open invalidations, for the pairing check, if it keeps one. */
  inProgress?(d: D): number;
}

/** One secondary MMU attached to one mm for one run: what the scenarios drive and check. */
export interface SecondaryInstance extends SecondaryView {
  readonly name: string;
  /** The TLB the device's accesses go through. */
  readonly tlb: DeviceTlb;
  /** Subscribes to the mm before the run begins (no steps). */
  attach(chain: MmuNotifierChain): void;
  /** The device fault path. */
  fault(addr: number, write: boolean): Sim<boolean>;
}

/** A secondary MMU model: a name, its bug flags, and a way to build an instance per run. */
export interface SecondaryMmuDriver {
  readonly name: string;
  readonly bugs: Readonly<Record<string, string>>;
  /** Notifier designs it runs on (the first is the default). */
  readonly designs: readonly string[];
  create(mm: Mm, bugs: readonly string[]): SecondaryInstance;
}

/** Checks bug names against a driver's table; a bad one is an MmulabError naming the valid ones. */
export function parseBugFlags<B extends string>(
  driver: string,
  table: Readonly<Record<B, string>>,
  names: readonly string[],
): BugFlags<B> {
  const flags = Object.fromEntries(Object.keys(table).map((k) => [k, false])) as Record<B, boolean>;
  for (const n of names) {
    if (!Object.hasOwn(table, n)) {
      throw new MmulabError(
        'MMULAB_UNKNOWN_BUG',
        `unknown bug '${n}' for ${driver} (valid: ${Object.keys(table).join(', ') || 'none'})`,
      );
    }
    flags[n as B] = true;
  }
  return Object.freeze(flags);
}

/**
 * Defines a secondary MMU from its state, its notifier callbacks and its device fault path.
 * The result plugs into every standard scenario (`mmulab explore munmap --driver ./x.ts`);
 * the checks see the translations of every DeviceTlb in the state.
 */
export function defineSecondaryMmu<D extends object, B extends string>(
  spec: SecondaryMmuSpec<D, B>,
): SecondaryMmuDriver {
  if (typeof spec.name !== 'string' || spec.name === '') {
    throw new MmulabError('MMULAB_BAD_DRIVER', 'defineSecondaryMmu: name must be a non-empty string');
  }
  if (typeof spec.init !== 'function' || typeof spec.access !== 'function') {
    throw new MmulabError(
      'MMULAB_BAD_DRIVER',
      `defineSecondaryMmu(${spec.name}): init and access must be functions`,
    );
  }
  return {
    name: spec.name,
    bugs: spec.bugs,
    designs: ['classic'],
    create(mm, names) {
      const bugs = parseBugFlags(spec.name, spec.bugs, names);
      const d = spec.init(mm);
      const tlbs = Object.values(d).filter((v): v is DeviceTlb => v instanceof DeviceTlb);
      const tlb = tlbs[0];
      if (!tlb) {
        throw new MmulabError(
          'MMULAB_BAD_DRIVER',
          `defineSecondaryMmu(${spec.name}): init() must return a DeviceTlb among its fields`,
        );
      }
      const subscriber: MmuNotifier = { name: spec.name, ops: bindOps(spec.name, spec.ops, d, bugs) };
      const inProgress = spec.inProgress;
      return {
        name: spec.name,
        subscriber,
        tlb,
        translations(): Iterable<Translation> {
          return tlbs.flatMap((t) => [...t.translations()]);
        },
        ...(inProgress ? { invalidationsInProgress: () => inProgress(d) } : {}),
        attach(chain) {
          chain.registerAtSetup(subscriber);
        },
        fault(addr, write) {
          return guarded(
            spec.name,
            'access',
            () => spec.access(d, mm, addr, write, bugs),
            isBoolean,
            'a boolean',
          );
        },
      };
    },
  };
}

function bindOps<D, B extends string>(
  driver: string,
  ops: DriverOps<D, B>,
  d: D,
  bugs: BugFlags<B>,
): MmuNotifierOps {
  const out: {
    -readonly [K in keyof MmuNotifierOps]: MmuNotifierOps[K];
  } & { archInvalidateSecondaryTlbs?: (start: number, end: number) => Sim<void> } = {};
  if (ops.invalidateRangeStart) {
    const f = ops.invalidateRangeStart;
    out.invalidateRangeStart = (range) =>
      guarded(driver, 'invalidateRangeStart', () => f(d, range, bugs), isStartReturn, "0 or 'EAGAIN'");
  }
  if (ops.invalidateRangeEnd) {
    const f = ops.invalidateRangeEnd;
    out.invalidateRangeEnd = (range) =>
      guarded(driver, 'invalidateRangeEnd', () => f(d, range, bugs), isVoid, 'nothing');
  }
  if (ops.clearFlushYoung) {
    const f = ops.clearFlushYoung;
    out.clearFlushYoung = (s, e) =>
      guarded(driver, 'clearFlushYoung', () => f(d, s, e, bugs), isBoolean, 'a boolean');
  }
  if (ops.clearYoung) {
    const f = ops.clearYoung;
    out.clearYoung = (s, e) => guarded(driver, 'clearYoung', () => f(d, s, e, bugs), isBoolean, 'a boolean');
  }
  if (ops.testYoung) {
    const f = ops.testYoung;
    out.testYoung = (a) => guarded(driver, 'testYoung', () => f(d, a, bugs), isBoolean, 'a boolean');
  }
  if (ops.release) {
    const f = ops.release;
    out.release = () => guarded(driver, 'release', () => f(d, bugs), isVoid, 'nothing');
  }
  if (ops.archInvalidateSecondaryTlbs) {
    const f = ops.archInvalidateSecondaryTlbs;
    out.archInvalidateSecondaryTlbs = (s, e) =>
      guarded(driver, 'archInvalidateSecondaryTlbs', () => f(d, s, e, bugs), isVoid, 'nothing');
  }
  if (ops.invalidateRange) {
    const f = ops.invalidateRange;
    out.invalidateRange = (s, e) =>
      guarded(driver, 'invalidateRange', () => f(d, s, e, bugs), isVoid, 'nothing');
  }
  return out;
}

const isStartReturn = (v: unknown): v is 0 | 'EAGAIN' => v === 0 || v === 'EAGAIN';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isVoid = (v: unknown): v is undefined => v === undefined;

function why(e: unknown): string {
  return ((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '').trim();
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

/**
 * Runs one callback of a user's driver as a sub-path, stepping its generator by hand so that
 * what the driver gets wrong is named after it: an exception it throws is `driver-exception`
 * (not the runtime's `thread-exception`, which means a model bug), a value outside the
 * callback's contract is `bad-return`. A `fail()` of the driver's own, and the runtime's
 * checks (bad-yield, sleep-in-atomic, step-budget), pass through unchanged.
 */
function* guarded<T>(
  driver: string,
  callback: string,
  call: () => Sim<T>,
  ok: (v: unknown) => v is T,
  expected: string,
): Sim<T> {
  let g: Sim<T>;
  try {
    g = call();
  } catch (e) {
    if (e instanceof ViolationSignal) throw e;
    fail('driver-exception', `${driver}.${callback} threw: ${why(e)}`);
  }
  if (typeof g !== 'object' || g === null || typeof (g as { next?: unknown }).next !== 'function') {
    fail(
      'bad-return',
      `${driver}.${callback} must be a generator function (function*), it returned ${show(g)}`,
    );
  }
  let input: unknown;
  for (;;) {
    let r: IteratorResult<Step, T>;
    try {
      r = g.next(input);
    } catch (e) {
      if (e instanceof ViolationSignal) throw e;
      fail('driver-exception', `${driver}.${callback} threw: ${why(e)}`);
    }
    if (r.done) {
      if (!ok(r.value))
        fail('bad-return', `${driver}.${callback} returned ${show(r.value)}, not ${expected}`);
      return r.value;
    }
    input = yield r.value;
  }
}

/**
 * get_user_pages() of one page for a driver's fault path: the page with a reference held
 * (drop it with putPage once the translation is installed), or null (-EFAULT: no VMA, or a
 * write to a read-only one). May sleep: never call it under a spinlock.
 */
export function* getUserPage(mm: Mm, addr: number, write: boolean): Sim<PageFrame | null> {
  const pfn = yield* getUserPages(mm, addr, write);
  return pfn === 0 ? null : mm.frame(pfn);
}
