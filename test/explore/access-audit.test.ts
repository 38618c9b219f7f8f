import { describe, expect, it } from 'vitest';
import { runOnce } from '../../src/explore/explorer.js';
import { buildScenario, catalogue } from '../../src/scenarios/catalogue.js';
import { setAccessAudit } from '../../src/sim/audit.js';
import { Rng } from '../../src/sim/rng.js';
import { currentRt, type Runtime } from '../../src/sim/runtime.js';
import type { SimObject } from '../../src/sim/step.js';

/**
 * DPOR (and every `verified` it gives) is only as sound as the steps' footprints. This test
 * runs every catalogue scenario, correct and under each bug flag, on random schedules with
 * the access audit on, and requires that no step reads or writes a word or a page frame it
 * does not declare (its object, its `touches`, or a word whose guard lock the thread holds).
 */
function audit(program: ReturnType<typeof buildScenario>, seeds: number): Map<string, string> {
  const offences = new Map<string, string>();
  setAccessAudit((obj: SimObject, write: boolean) => {
    let rt: Runtime;
    try {
      rt = currentRt();
    } catch {
      return;
    }
    const s = rt.executing;
    if (s === null || s.obj === obj || s.touches.includes(obj)) return;
    const guard = (obj as { guard?: SimObject | null }).guard;
    const t = rt.threads.find((x) => x.pending === s);
    if (guard && t?.held.includes(guard)) return;
    const site = `${s.op}(${s.obj.name}) ${write ? 'writes' : 'reads'} ${obj.name.replace(/\[\d+\]/g, '[]').replace(/page\d+/, 'page')}`;
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
});
