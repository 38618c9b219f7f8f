import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { ClassicChain } from '../../src/notifier/classic.js';
import type { MmuNotifier } from '../../src/notifier/ops.js';
import { Mm, type MmEra } from '../../src/primary/mm.js';
import { mmuNotifierInvalidateRangeEnd, mmuNotifierRange } from '../../src/primary/notify.js';
import { exitMmap } from '../../src/primary/ops/exit-mmap.js';
import { PageAllocator } from '../../src/primary/page.js';
import { buildScenario } from '../../src/scenarios/catalogue.js';
import { markerSubscriber, nothing, record } from '../helpers/record.js';

function mm(era: MmEra = '6.9'): Mm {
  return new Mm('mm', new PageAllocator(2), {
    size: 1,
    vmas: [{ start: 0, end: 1, write: true, private: true }],
    era,
  });
}

describe('classic chain: era and history settings', () => {
  it('4.13 era: range_end calls invalidate_range before invalidate_range_end; 6.6+ does not', () => {
    for (const [era, want] of [
      ['4.13', ['> sub.invalidate_range', '> sub.invalidate_range_end']],
      ['6.6', ['> sub.invalidate_range_end']],
    ] as const) {
      const t = record({
        name: `end-${era}`,
        setup(rt) {
          const m = mm(era);
          const sub: MmuNotifier = {
            name: 'sub',
            ops: { ...markerSubscriber('sub').ops, invalidateRange: nothing },
          };
          new ClassicChain(m).registerAtSetup(sub);
          rt.spawn('t', () =>
            mmuNotifierInvalidateRangeEnd(m, mmuNotifierRange(0, 1, 'MMU_NOTIFY_CLEAR', 'test')),
          );
        },
      });
      expect(t.filter((e) => e.startsWith('> sub'))).toEqual(want);
    }
  });

  it('release-first (today): ->release before the unlink; unlink-first (2.6.27, 3.10): the unlink before ->release', () => {
    for (const [order, want] of [
      ['release-first', ['> sub.release', 'update mm.notifierSubscriptions.list: [sub] -> []']],
      ['unlink-first', ['update mm.notifierSubscriptions.list: [sub] -> []', '> sub.release']],
    ] as const) {
      const t = record({
        name: `release-${order}`,
        setup(rt) {
          const m = mm();
          new ClassicChain(m, { releaseOrder: order }).registerAtSetup(markerSubscriber('sub'));
          rt.spawn('exit', () => exitMmap(m));
        },
      });
      const relevant = t.filter(
        (e) =>
          e === '> sub.release' ||
          e.startsWith('update mm.notifierSubscriptions.list') ||
          e.startsWith('write mm.notifierSubscriptions.list'),
      );
      expect(relevant.map((e) => e.replace(/^write (.*) := \[\]$/, 'update $1: [sub] -> []'))).toEqual(want);
    }
  });

  it('core-pre-5.12: the started subscriber gets no end and KVM stays invalidating (dpor)', () => {
    const v = explore(buildScenario('claim-failed-start', { bugs: ['core-pre-5.12'] }), {
      strategy: makeStrategy('dpor'),
      maxRuns: 10_000,
    });
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'kvm: 1 invalidation(s) in progress with none in flight (a start without its end)',
    );
  });
});
