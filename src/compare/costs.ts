import { runOnce } from '../explore/explorer.js';
import type { Program } from '../sim/program.js';
import type { Scheduler } from '../sim/runtime.js';
import type { SimEvent } from '../sim/trace.js';

/** What one run of a workload cost, counted from its trace events. */
export interface Costs {
  /** Notifier calls the primary made (range_start, range_end, invalidate_page, aging, release). */
  readonly notifierOps: number;
  /** Subscriber callbacks those calls ran (a replayed walk calls some again). */
  readonly callbacks: number;
  /** Secondary TLB flushes: kvm_flush_remote_tlbs, device flush_tlb_range. */
  readonly tlbFlushes: number;
  /** Failed iterations of secondary fault retry loops (the seq/counter checks). */
  readonly faultRetries: number;
  /** Steps (of any thread) taken while some secondary's mmuLock was held. */
  readonly mmuLockSteps: number;
  readonly steps: number;
  /** The measured run itself broke an invariant (its costs are those of a broken run). */
  readonly violated: string | null;
}

/** A primary-side notifier call: the frame mm/ opens (src/primary/notify.ts). */
const OP =
  /^(?:invalidate_range_start|invalidate_range_end|invalidate_page|clear_flush_young|clear_young|test_young)\(|^release$/;
/** A subscriber callback: the frame a chain opens around it. */
const CALLBACK =
  /^[\w-]+\.(?:invalidate_range_start|invalidate_range_end|invalidate_page|clear_flush_young|clear_young|test_young|release|invalidate|callback\(emm_\w+\))$/;
/** Step texts of a secondary TLB flush (KVM's section texts name it; the device's step does). */
const FLUSH = /kvm_flush_remote_tlbs|remote TLBs flushed|^flush_tlb_range\(/;

/** Counts costs from a run's events. */
export class CostCounter {
  notifierOps = 0;
  callbacks = 0;
  tlbFlushes = 0;
  faultRetries = 0;
  mmuLockSteps = 0;
  steps = 0;
  private readonly held = new Set<string>();

  readonly observer = (e: SimEvent): void => {
    if (e.type === 'enter') {
      if (OP.test(e.label)) this.notifierOps++;
      else if (CALLBACK.test(e.label)) this.callbacks++;
      return;
    }
    if (e.type !== 'step') return;
    this.steps++;
    if (e.op === 'retry') this.faultRetries++;
    if (FLUSH.test(e.text)) this.tlbFlushes++;
    const isMmuLock = e.obj.endsWith('.mmuLock');
    if (isMmuLock && e.op === 'spin_lock_section') {
      this.mmuLockSteps++;
      return;
    }
    if (isMmuLock && (e.op === 'spin_lock' || e.op === 'spin_lock_then')) this.held.add(e.obj);
    if (this.held.size > 0) this.mmuLockSteps++;
    if (isMmuLock && e.op === 'spin_unlock') this.held.delete(e.obj);
  };
}

/** Runs every thread to its end or block before the next gets a step: lowest id first. */
export const serialScheduler: Scheduler = {
  pickThread: () => 0,
  pickValue: () => 0,
};

/**
 * The costs of a workload, measured on its serial run (each thread in spawn order runs
 * until it ends or blocks): the same schedule under every design, so the figures compare.
 */
export function measureCosts(program: Program): Costs {
  const c = new CostCounter();
  const r = runOnce(program, { scheduler: serialScheduler, observer: c.observer });
  return {
    notifierOps: c.notifierOps,
    callbacks: c.callbacks,
    tlbFlushes: c.tlbFlushes,
    faultRetries: c.faultRetries,
    mmuLockSteps: c.mmuLockSteps,
    steps: r.steps,
    violated: r.violation ? r.violation.name : null,
  };
}
