import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import type { MmuNotifier } from '../../src/notifier/ops.js';
import type { Program } from '../../src/sim/program.js';
import { Runtime, type Scheduler } from '../../src/sim/runtime.js';
import type { Sim } from '../../src/sim/step.js';
import type { SimEvent } from '../../src/sim/trace.js';

/** Runs `program` with the first enabled thread always picked; returns the compact events. */
export function record(program: Program): string[] {
  const out: string[] = [];
  const sched: Scheduler = { pickThread: () => 0, pickValue: () => 0 };
  const rt = new Runtime({ scheduler: sched, observer: (e: SimEvent) => out.push(...compact(e)) });
  rt.setup((r) => program.setup(r));
  const res = rt.execute();
  if (res.violation) out.push(`VIOLATION ${res.violation.name}: ${res.violation.message}`);
  return out;
}

function compact(e: SimEvent): string[] {
  switch (e.type) {
    case 'step':
      return [e.text];
    case 'enter':
      return [`> ${e.label}`];
    case 'exit':
      return [`< ${e.label}`];
    case 'note':
      return e.kind === 'srcu' ? [] : [`· ${e.kind}: ${e.text}`];
    default:
      return [];
  }
}

/** A subscriber whose callbacks only mark where they ran. */
export function markerSubscriber(name = 'mark', young = false): MmuNotifier {
  const none = nothing;
  return {
    name,
    ops: {
      *invalidateRangeStart() {
        yield* none();
        return 0;
      },
      invalidateRangeEnd: none,
      *clearFlushYoung() {
        yield* none();
        return young;
      },
      *clearYoung() {
        yield* none();
        return young;
      },
      *testYoung() {
        yield* none();
        return young;
      },
      release: none,
    },
  };
}

export function dfsVerdict(program: Program, maxRuns = 1_000_000) {
  return explore(program, { strategy: new DfsStrategy(), maxRuns });
}

/** A sub-path that takes no step (for callbacks that only record that they ran). */
export function* nothing(): Sim<void> {}
