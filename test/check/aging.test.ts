import { describe, expect, it } from 'vitest';
import { AgingOracle } from '../../src/check/aging.js';
import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { ClassicChain } from '../../src/notifier/classic.js';
import { Mm } from '../../src/primary/mm.js';
import { shrinkIsolatedPage } from '../../src/primary/ops/reclaim.js';
import { PageAllocator } from '../../src/primary/page.js';
import { Kvm } from '../../src/secondary-mmu/kvm/kvm.js';
import type { Program } from '../../src/sim/program.js';
import { ViolationSignal } from '../../src/sim/violation.js';
import { nothing } from '../helpers/record.js';

describe('aging oracle', () => {
  it('an access before the walk must be reported young; one during the walk binds neither walk', () => {
    const o = new AgingOracle();
    o.noteAccess(1);
    o.begin(1);
    expect(() => o.end(1, false)).toThrow(ViolationSignal);
    o.begin(1);
    o.noteAccess(1);
    expect(() => o.end(1, false)).not.toThrow();
    o.begin(1);
    expect(() => o.end(1, false)).not.toThrow();
  });

  it('a secondary whose clear_flush_young forgets its accessed bits is caught', () => {
    const p = (lying: boolean): Program => ({
      name: `aging-${lying}`,
      setup(rt) {
        const mm = new Mm('mm', new PageAllocator(2), {
          size: 1,
          vmas: [{ start: 0, end: 1, write: true, private: true }],
        });
        const pfn = mm.populate(0, 7);
        const kvm = new Kvm(mm);
        new ClassicChain(mm).registerAtSetup(kvm);
        kvm.spt[0]!.value = { pfn, writable: true, accessed: false, dirty: false };
        if (lying) {
          kvm.ops.clearFlushYoung = function* () {
            yield* nothing();
            return false;
          };
        }
        const aging = new AgingOracle();
        kvm.onGuestAccess = (a) => aging.noteAccess(a.pfn);
        rt.spawn('vcpu0', () => kvm.guestAccess(0, 0, false));
        rt.spawn('reclaim', () => {
          mm.frame(pfn).refcount++;
          return shrinkIsolatedPage(mm, 0, mm.frame(pfn), aging);
        });
      },
    });
    expect(explore(p(false), { strategy: new DfsStrategy() }).kind).toBe('verified');
    const v = explore(p(true), { strategy: new DfsStrategy() });
    expect(v.kind === 'violation' && v.violation.name).toBe('aging');
  });
});
