import { describe, expect, it } from 'vitest';
import { runOnce } from '../../src/explore/explorer.js';
import { buildScenario, catalogue } from '../../src/scenarios/catalogue.js';
import { setAccessAudit } from '../../src/sim/audit.js';
import { Word } from '../../src/sim/cell.js';
import type { Program } from '../../src/sim/program.js';
import { Rng } from '../../src/sim/rng.js';
import { currentRt, type Runtime } from '../../src/sim/runtime.js';
import type { SimObject } from '../../src/sim/step.js';

/**
 * DPOR (and every `verified` it gives) is only as sound as the steps' footprints. This test
 * runs every catalogue scenario, correct and under each bug flag, on random schedules with
 * the access audit on, and requires that no step reads or writes a word, a page frame or a
 * TLB's entries it does not declare (its object, its `touches`, or a word whose guard lock the
 * thread holds), and that no invariant with a declared read set reads anything outside it.
 */
function generic(name: string): string {
  return name.replace(/\[\d+\]/g, '[]').replace(/page\d+/, 'page');
}

function audit(program: Program, seeds: number): Map<string, string> {
  const offences = new Map<string, string>();
  setAccessAudit((obj: SimObject, write: boolean) => {
    let rt: Runtime;
    try {
      rt = currentRt();
    } catch {
      return;
    }
    const s = rt.executing;
    if (s === null) {
      // An invariant with a declared read set: DPOR commutes writes to anything outside it.
      const inv = rt.checking;
      if (inv === null || inv.reads === null || (!write && inv.reads.includes(obj))) return;
      const site = `invariant ${inv.name} ${write ? 'writes' : 'reads'} ${generic(obj.name)}, not in its reads`;
      if (!offences.has(site)) offences.set(site, program.name);
      return;
    }
    if (s.obj === obj || s.touches.includes(obj)) return;
    const guard = (obj as { guard?: SimObject | null }).guard;
    const t = rt.threads.find((x) => x.pending === s);
    if (guard && t?.held.includes(guard)) return;
    const site = `${s.op}(${s.obj.name}) ${write ? 'writes' : 'reads'} ${generic(obj.name)}`;
    if (!offences.has(site)) offences.set(site, program.name);
  });
  try {
    for (let seed = 1; seed <= seeds; seed++) {
      const rng = new Rng(seed);
      runOnce(program, {
        scheduler: { pickThread: (en) => rng.below(en.length), pickValue: (n) => rng.below(n) },
      });
    }
  } finally {
    setAccessAudit(null);
  }
  return offences;
}

describe('the access audit', () => {
  it('no step of any catalogue scenario touches state it does not declare', () => {
    const all = new Map<string, string>();
    for (const s of catalogue) {
      for (const bugs of [[], ...Object.keys(s.bugs).map((b) => [b])]) {
        for (const [site, where] of audit(buildScenario(s.name, { bugs }), 100))
          if (!all.has(site)) all.set(site, where);
      }
    }
    expect([...all].map(([site, where]) => `${site}  (${where})`).sort()).toEqual([]);
  });

  it('fails an invariant that reads an object its declared reads leave out', () => {
    // The mistake the audit exists for: DPOR would commute the writes to b, so an interleaving
    // where the sum is briefly wrong could go unvisited while the search says verified.
    const program: Program = {
      name: 'undeclared-read',
      setup(rt) {
        const a = new Word('a', 0);
        const b = new Word('b', 0);
        rt.spawn('w', function* () {
          yield* a.write(1);
          yield* b.write(1);
        });
        rt.invariant('sum', () => (a.value + b.value > 2 ? 'sum' : null), [a]);
        rt.invariant('a-only', () => (a.value > 1 ? 'a' : null), [a]);
        rt.invariant('undeclared', () => (b.value > 1 ? 'b' : null));
      },
    };
    expect([...audit(program, 1).keys()]).toEqual(['invariant sum reads b, not in its reads']);
  });
});
