import type { Trace } from './trace.js';

/**
 * One event of the Chrome trace-event format (the JSON Object Format of "Trace Event
 * Format", the document chrome://tracing and Perfetto's JSON importer follow). Times are in
 * microseconds; mmulab has no real time, so one scheduled step is one microsecond.
 */
export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'B' | 'E' | 'X' | 'i' | 'M' | 'b' | 'e';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  /** Instant events: 't' thread, 'p' process, 'g' global. */
  readonly s?: 't' | 'p' | 'g';
  /** Async (lock hold) events pair their b and e by cat + id. */
  readonly id?: string;
  readonly args?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly ChromeTraceEvent[];
  readonly displayTimeUnit: 'ns' | 'ms';
  readonly otherData: Readonly<Record<string, string>>;
}

const PID = 1;

/** Simulated thread id to trace tid; tid 0 is avoided (some viewers treat it as the idle task). */
export function tidOf(thread: number): number {
  return thread + 1;
}

/**
 * The trace as Chrome trace-event JSON: one track per simulated thread (thread_name
 * metadata), each step a complete slice ('X', 1 µs), each callback frame a B/E pair around
 * the steps it contains, notes and the violation as instant events, lock holds as async
 * slices (they need not nest: spin_lock A, spin_lock B, spin_unlock A is legal).
 */
export function toChromeTrace(trace: Trace, opts: { readonly replayCommand?: string } = {}): ChromeTrace {
  const meta: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: `mmulab: ${trace.program}` } },
  ];
  for (const t of trace.threads) {
    meta.push({ name: 'thread_name', ph: 'M', pid: PID, tid: tidOf(t.id), args: { name: t.label } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid: tidOf(t.id), args: { sort_index: t.id } });
  }
  // Frames come from the enter/exit entries themselves, in the order the run made them, so
  // that B/E pairs nest exactly (a callback that takes no step opens and closes at one time).
  const timed: { ev: ChromeTraceEvent; ts: number }[] = [];
  const add = (ev: ChromeTraceEvent) => timed.push({ ev, ts: ev.ts ?? 0 });
  const open = new Map<number, string[]>();
  for (const e of trace.entries) {
    const tid = tidOf(e.thread);
    switch (e.type) {
      case 'step':
        add({
          name: e.op === 'read' || e.op === 'write' ? `${e.op} ${e.obj}` : `${e.op}(${e.obj})`,
          ph: 'X',
          pid: PID,
          tid,
          ts: e.time,
          dur: 1,
          cat: e.kind,
          args: { step: e.index, text: e.text, value: e.value },
        });
        break;
      case 'enter': {
        const stack = open.get(e.thread) ?? [];
        stack.push(e.label);
        open.set(e.thread, stack);
        add({ name: e.label, ph: 'B', pid: PID, tid, ts: e.time, cat: 'callback' });
        break;
      }
      case 'exit':
        open.get(e.thread)?.pop();
        add({ name: e.label, ph: 'E', pid: PID, tid, ts: e.time, cat: 'callback' });
        break;
      case 'note':
        add({ name: `${e.kind}: ${e.text}`, ph: 'i', s: 't', pid: PID, tid, ts: e.time, cat: e.kind });
        break;
      default:
        break;
    }
  }
  // Frames the violation struck inside close at the end of the trace, innermost first.
  for (const [thread, stack] of open) {
    for (const label of stack.reverse()) {
      add({
        name: label,
        ph: 'E',
        pid: PID,
        tid: tidOf(thread),
        ts: trace.steps,
        cat: 'callback',
        args: { open: true },
      });
    }
  }
  trace.locks.forEach((l, k) => {
    const tid = tidOf(l.thread);
    const name = `${l.lock} (${l.mode})`;
    const id = `lock${k}`;
    add({ name, ph: 'b', pid: PID, tid, ts: l.start, cat: 'lock', id });
    add({ name, ph: 'e', pid: PID, tid, ts: l.end, cat: 'lock', id, args: { open: l.open } });
  });
  const v = trace.violation;
  if (v) {
    const ts = v.step + 0.5;
    const args = { message: v.message, step: v.step, thread: v.thread };
    const ev: ChromeTraceEvent =
      trace.violationThread === null
        ? { name: `violation: ${v.name}`, ph: 'i', s: 'g', pid: PID, tid: 0, ts, cat: 'violation', args }
        : {
            name: `violation: ${v.name}`,
            ph: 'i',
            s: 't',
            pid: PID,
            tid: tidOf(trace.violationThread),
            ts,
            cat: 'violation',
            args,
          };
    add(ev);
  }
  // Array.prototype.sort is stable: at one time, events keep the run's order.
  timed.sort((a, b) => a.ts - b.ts);
  const otherData: Record<string, string> = {
    program: trace.program,
    token: trace.token,
    timeUnit: '1 us = 1 scheduled step',
  };
  if (opts.replayCommand) otherData.replay = opts.replayCommand;
  return { traceEvents: [...meta, ...timed.map((x) => x.ev)], displayTimeUnit: 'ns', otherData };
}

export function renderChromeTrace(trace: Trace, opts: { readonly replayCommand?: string } = {}): string {
  return JSON.stringify(toChromeTrace(trace, opts), null, 0) + '\n';
}
