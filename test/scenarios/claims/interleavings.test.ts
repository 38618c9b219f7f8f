import { describe, expect, it } from 'vitest';
import { measureCosts } from '../../../src/compare/costs.js';
import { explore, replay } from '../../../src/explore/explorer.js';
import { DporStrategy } from '../../../src/explore/strategies/dpor.js';
import { buildScenario } from '../../../src/scenarios/catalogue.js';
import type { SimEvent } from '../../../src/sim/trace.js';

function counterexample(scenario: string, design: string, bugs: string[] = []) {
  const p = buildScenario(scenario, { design, bugs });
  const v = explore(p, { strategy: new DporStrategy(), maxRuns: 1_000_000 });
  if (v.kind !== 'violation') throw new Error(`${scenario} under ${design}: ${v.kind}`);
  const events: SimEvent[] = [];
  replay(p, v.token, { observer: (e) => events.push(e) });
  const steps = events.flatMap((e) => (e.type === 'step' ? [`T${e.thread} ${e.text}`] : []));
  return { v, steps };
}

describe('the interleavings behind the verdicts', () => {
  it('seqlock-register: the registration lands between the start walk and the end walk (spec §6.5)', () => {
    const { v, steps } = counterexample('claim-register-race', 'seqlock-register');
    expect(v.violation.message).toBe(
      'dev TLB entry for address 0 maps page1 (address 0), which is on the free list',
    );
    const at = (s: string) => steps.findIndex((x) => x.includes(s));
    const startWalkDone = at('T0 read_seqcount_retry(mm.mmuNotifierLock.seqcount, 0) = false');
    const registered = at('T1 update mm.notifierSubscriptions.list: [] -> [dev]');
    const ptlClear = at('T0 spin_lock(mm.ptl); ptep_clear_flush(mm.pte[0])');
    const endWalk = steps.findIndex((x, i) => i > startWalkDone && x.startsWith('T0 read_seqcount_begin'));
    const dropin = at('T1 tlb_dropin(dev.tlb, 0 -> page1)');
    expect(startWalkDone).toBeGreaterThanOrEqual(0);
    expect(startWalkDone < registered && registered < dropin && dropin < ptlClear && ptlClear < endWalk).toBe(
      true,
    );
  });

  it('rcu-register: synchronize_rcu after the add does not help, the start walk had already finished', () => {
    const { steps } = counterexample('claim-register-race', 'rcu-register');
    const unlock = steps.findIndex((x) => x.startsWith('T0 rcu_read_unlock'));
    const sync = steps.findIndex((x) => x.startsWith('T1 synchronize_rcu'));
    const dropin = steps.findIndex((x) => x.startsWith('T1 tlb_dropin(dev.tlb, 0 -> page1)'));
    expect(unlock >= 0 && unlock < sync && sync < dropin).toBe(true);
  });

  it('emm: the failing device stops the walk after KVM started; no end reaches KVM', () => {
    const { v } = counterexample('claim-failed-start', 'emm');
    expect(v.violation).toEqual({
      name: 'pairing',
      message: 'kvm: 1 invalidation(s) in progress with none in flight (a start without its end)',
      step: 8,
      thread: 'T1(oom_reaper)',
    });
  });

  it('costs: EMM asks one secondary where the OR asks both; the seqcount driver holds its lock 8 steps', () => {
    const aging = (d: string) => measureCosts(buildScenario('claim-aging', { design: d }));
    expect([aging('emm').callbacks, aging('classic').callbacks]).toEqual([1, 2]);
    const seq = measureCosts(
      buildScenario('claim-parallel-starts', { design: 'classic', bugs: ['global-seqcount'] }),
    );
    const rwsem = measureCosts(buildScenario('claim-parallel-starts', { design: 'classic' }));
    expect([seq.mmuLockSteps, rwsem.mmuLockSteps, seq.tlbFlushes, rwsem.tlbFlushes]).toEqual([8, 0, 2, 2]);
  });
});
