import type { MmEra } from '../../primary/mm.js';
import { tryToUnmap } from '../../primary/ops/reclaim.js';
import { putPage } from '../../primary/page.js';
import type { Scenario } from '../scenario.js';
import { Device } from './device.js';
import { claimScenario, claimWorld, watchFreedPages } from './world.js';

/**
 * Reclaim unmaps a page in a given kernel era while a device whose invalidation sleeps
 * (XPMEM-like, the reason SRCU came in 3.7) faults it. 2.6.27 calls invalidate_page under the
 * PT lock, 3.6 after the unlock, 4.13 brackets with range_start/end: where the callback may
 * sleep is the era's ordering. The interval design postdates these eras and is left out.
 */
function eraReclaim(era: MmEra): Scenario {
  return claimScenario({
    name: `era-reclaim-${era}`,
    description: `reclaim (try_to_unmap, ${era} ordering) unmaps a page a sleeping device driver mirrors while it faults`,
    reference:
      'mm/rmap.c try_to_unmap_one (ptep_clear_flush_notify, 2.6.27; invalidate_page after the PT unlock, 3.6–4.10; range_start/end, 4.13+, 5f32b265400de); spec §3.3, §5',
    secondary: 'device (sleeping invalidation)',
    designs: ['classic', 'emm', 'rcu-register', 'seqlock-register'],
    threads: ['reclaim', 'device'],
    bugs: {},
    ...(era === '2.6.27'
      ? {
          correctFails:
            '2.6.27 calls invalidate_page under the PT lock (ptep_clear_flush_notify): a device whose invalidation sleeps cannot be correct there; that is why SRCU came in 3.7',
        }
      : {}),
    spawn(rt, opts) {
      const w = claimWorld(opts, 1, 8, era);
      const page = w.mm.frame(w.pfns[0]!);
      const dev = new Device('dev', w.mm, w.chain, { sync: 'range-counter', sleeps: true, fastOnly: true });
      dev.registerAtSetup();
      watchFreedPages(rt, w, dev);
      page.refcount++;
      return [
        function* () {
          yield* tryToUnmap(w.mm, 0, page);
          yield* putPage(page);
        },
        () => dev.fault(0),
      ];
    },
  });
}

export const eraScenarios: readonly Scenario[] = [
  eraReclaim('2.6.27'),
  eraReclaim('3.6'),
  eraReclaim('4.13'),
];
