import { EventEmitter } from 'eventemitter3';
import type { Access } from '../sim/step.js';
import { fmt } from '../sim/step.js';
import type { SimEvent, SimObserver } from '../sim/trace.js';
import type { Violation } from '../sim/violation.js';
import { classifyOp, type LockEffect, lockEffect, type StepKind } from './kinds.js';

/**
 * A recorded run, ready to render. Positions are on one step axis: scheduled step `i`
 * occupies the slot [i, i + 1). An annotation (frame enter/exit, note) made while a thread ran
 * on after its step `k` sits at time k + 1; one made before any step (a thread's prologue, run
 * when it is spawned) at the time of the spawning step's end, or 0 during setup.
 */
export interface Trace {
  readonly program: string;
  readonly token: string;
  /** Scheduled steps of the run. */
  readonly steps: number;
  readonly threads: readonly TraceThread[];
  /** Every step, annotation and thread event, in the order the run produced them. */
  readonly entries: readonly TraceEntry[];
  readonly frames: readonly FrameSpan[];
  readonly locks: readonly LockSpan[];
  readonly violation: Violation | null;
  /** Thread id of the violating thread, resolved from the violation's label; null for none. */
  readonly violationThread: number | null;
}

export interface TraceThread {
  readonly id: number;
  readonly name: string;
  /** `T0(vcpu0)`, as violations name threads. */
  readonly label: string;
  readonly parent: number | null;
  /** Time of the spawn. */
  readonly start: number;
  /** Time of the exit, or null when the thread was still live at the end (blocked, cut). */
  readonly end: number | null;
}

interface EntryBase {
  readonly thread: number;
  /** Position on the step axis (see Trace). */
  readonly time: number;
  /** Frames open on the thread when the entry happened (callback nesting depth). */
  readonly depth: number;
}

export interface TraceStep extends EntryBase {
  readonly type: 'step';
  readonly index: number;
  readonly kind: StepKind;
  readonly op: string;
  readonly obj: string;
  readonly access: Access;
  readonly text: string;
  /** The step's result as text, or null when it returned nothing. */
  readonly value: string | null;
}

export type TraceEntry =
  | TraceStep
  | (EntryBase & { readonly type: 'enter'; readonly label: string })
  | (EntryBase & { readonly type: 'exit'; readonly label: string })
  | (EntryBase & { readonly type: 'note'; readonly kind: string; readonly text: string })
  | (EntryBase & { readonly type: 'spawn'; readonly name: string; readonly parent: number | null })
  | (EntryBase & { readonly type: 'thread-exit' });

/** A callback or kernel function a thread was inside, from `enter` to `exit`. */
export interface FrameSpan {
  readonly thread: number;
  readonly label: string;
  readonly depth: number;
  readonly start: number;
  readonly end: number;
  /** Still open when the run ended (the violation struck inside it). */
  readonly open: boolean;
}

/** A lock hold: from the acquiring step's slot to the end of the releasing step's slot. */
export interface LockSpan {
  readonly thread: number;
  readonly lock: string;
  /** `spin`, `read`, `write`, `mutex`, `rcu`, ... (see kinds.ts). */
  readonly mode: string;
  readonly start: number;
  readonly end: number;
  readonly open: boolean;
}

/** The events a trace emitter carries: one channel per SimEvent type. */
export type TraceEvents = { [K in SimEvent['type']]: [Extract<SimEvent, { type: K }>] };

/** Observers subscribe here (`emitter.on('step', ...)`); `observe` feeds it from a run. */
export type TraceEmitter = EventEmitter<TraceEvents>;

export function traceEmitter(): TraceEmitter {
  return new EventEmitter<TraceEvents>();
}

/**
 * The runtime observer that forwards a run's events to `emitter`, or undefined when nobody
 * listens: the run then gets no observer and records nothing.
 */
export function observe(emitter: TraceEmitter): SimObserver | undefined {
  if (emitter.eventNames().length === 0) return undefined;
  return (e) => {
    // One typed emit per variant: eventemitter3's typing cannot spread a union.
    switch (e.type) {
      case 'step':
        emitter.emit('step', e);
        break;
      case 'spawn':
        emitter.emit('spawn', e);
        break;
      case 'thread-exit':
        emitter.emit('thread-exit', e);
        break;
      case 'enter':
        emitter.emit('enter', e);
        break;
      case 'exit':
        emitter.emit('exit', e);
        break;
      case 'note':
        emitter.emit('note', e);
        break;
      case 'violation':
        emitter.emit('violation', e);
        break;
    }
  };
}

/** An entry as the recorder receives it, before it stamps time and depth. */
type EntryInput = TraceEntry extends infer E
  ? E extends TraceEntry
    ? Omit<E, 'time' | 'depth'>
    : never
  : never;

interface OpenLock {
  readonly lock: string;
  readonly mode: string;
  readonly start: number;
}

/** Builds a Trace from the events of one run. Subscribe it before the run, finish it after. */
export class TraceRecorder {
  private readonly entries: TraceEntry[] = [];
  private readonly threads = new Map<
    number,
    { name: string; parent: number | null; start: number; end: number | null }
  >();
  private readonly openFrames = new Map<number, { label: string; start: number }[]>();
  private readonly openLocks = new Map<number, OpenLock[]>();
  private readonly frames: FrameSpan[] = [];
  private readonly locks: LockSpan[] = [];
  private violation: Violation | null = null;
  /** Time of the next annotation: the end of the last step. */
  private now = 0;
  private steps = 0;

  constructor(emitter: TraceEmitter) {
    emitter.on('spawn', (e) => {
      this.threads.set(e.thread, { name: e.name, parent: e.parent, start: this.now, end: null });
      this.push({ type: 'spawn', thread: e.thread, name: e.name, parent: e.parent });
    });
    emitter.on('thread-exit', (e) => {
      const t = this.threads.get(e.thread);
      if (t) t.end = this.now;
      this.push({ type: 'thread-exit', thread: e.thread });
    });
    emitter.on('step', (e) => this.step(e));
    emitter.on('enter', (e) => {
      this.push({ type: 'enter', thread: e.thread, label: e.label });
      this.stack(this.openFrames, e.thread).push({ label: e.label, start: this.now });
    });
    emitter.on('exit', (e) => {
      const open = this.stack(this.openFrames, e.thread);
      const f = open.pop();
      if (f) {
        this.frames.push({
          thread: e.thread,
          label: f.label,
          depth: open.length,
          start: f.start,
          end: this.now,
          open: false,
        });
      }
      this.push({ type: 'exit', thread: e.thread, label: e.label });
    });
    emitter.on('note', (e) => this.push({ type: 'note', thread: e.thread, kind: e.kind, text: e.text }));
    emitter.on('violation', (e) => {
      this.violation = e.violation;
    });
  }

  private stack<T>(m: Map<number, T[]>, thread: number): T[] {
    let s = m.get(thread);
    if (!s) {
      s = [];
      m.set(thread, s);
    }
    return s;
  }

  private push(e: EntryInput): void {
    const depth = this.openFrames.get(e.thread)?.length ?? 0;
    this.entries.push({ ...e, time: this.now, depth } as TraceEntry);
  }

  private step(e: Extract<SimEvent, { type: 'step' }>): void {
    const time = e.index;
    const depth = this.openFrames.get(e.thread)?.length ?? 0;
    const value = e.result === undefined ? null : valueText(e.result);
    this.entries.push({
      type: 'step',
      thread: e.thread,
      time,
      depth,
      index: e.index,
      kind: classifyOp(e.op, e.access),
      op: e.op,
      obj: e.obj,
      access: e.access,
      text: e.text,
      value,
    });
    this.trackLock(e.thread, lockEffect(e.op, e.result), e.obj, time);
    this.steps = e.index + 1;
    this.now = e.index + 1;
  }

  private trackLock(thread: number, effect: LockEffect | null, lock: string, time: number): void {
    if (!effect) return;
    const held = this.stack(this.openLocks, thread);
    for (const mode of effect.release) {
      let i = -1;
      for (let k = held.length - 1; k >= 0; k--) {
        const h = held[k]!;
        if (h.lock === lock && h.mode === mode) {
          i = k;
          break;
        }
      }
      if (i < 0) continue;
      const [h] = held.splice(i, 1);
      this.locks.push({ thread, lock, mode, start: h!.start, end: time + 1, open: false });
    }
    if (effect.acquire) held.push({ lock, mode: effect.acquire, start: time });
  }

  /** The trace of the finished run; `token` is its replay token. */
  finish(program: string, token: string): Trace {
    const end = this.now;
    const frames = [...this.frames];
    for (const [thread, open] of this.openFrames) {
      open.forEach((f, depth) => {
        frames.push({ thread, label: f.label, depth, start: f.start, end, open: true });
      });
    }
    const locks = [...this.locks];
    for (const [thread, held] of this.openLocks) {
      for (const h of held)
        locks.push({ thread, lock: h.lock, mode: h.mode, start: h.start, end, open: true });
    }
    frames.sort((a, b) => a.thread - b.thread || a.start - b.start || a.depth - b.depth);
    locks.sort((a, b) => a.thread - b.thread || a.start - b.start);
    const threads = [...this.threads.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, t]) => ({
        id,
        name: t.name,
        label: `T${id}(${t.name})`,
        parent: t.parent,
        start: t.start,
        end: t.end,
      }));
    const v = this.violation;
    const vt = v && v.thread !== null ? (threads.find((t) => t.label === v.thread)?.id ?? null) : null;
    return {
      program,
      token,
      steps: this.steps,
      threads,
      entries: this.entries,
      frames,
      locks,
      violation: v,
      violationThread: vt,
    };
  }
}

function valueText(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'label' in v && typeof v.label === 'string') return v.label;
  return fmt(v);
}
