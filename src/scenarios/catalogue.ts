import { MmulabError } from '../errors.js';
import { designs } from '../notifier/designs.js';
import { withLockdep } from '../sim/lockdep.js';
import type { Program } from '../sim/program.js';
import { claimScenarios } from './claims/claims.js';
import { eraScenarios } from './claims/eras.js';
import { kvmDontneed, kvmForkCow, kvmMunmap, kvmReclaimAging } from './kvm.js';
import { kvmPostcopy } from './kvm-postcopy.js';
import { races } from './races/index.js';
import type { Scenario } from './scenario.js';

/** Every named scenario, in the order `mmulab list` shows them. */
export const catalogue: readonly Scenario[] = [
  kvmMunmap,
  kvmDontneed,
  kvmForkCow,
  kvmReclaimAging,
  kvmPostcopy,
  ...races,
  ...claimScenarios,
  ...eraScenarios,
];

export function findScenario(name: string, from: readonly Scenario[] = catalogue): Scenario {
  const s = from.find((x) => x.name === name);
  if (!s) {
    throw new MmulabError(
      'MMULAB_UNKNOWN_SCENARIO',
      `unknown scenario '${name}' (valid: ${from.map((x) => x.name).join(', ')})`,
    );
  }
  return s;
}

/** Every bug flag a scenario's secondary accepts (found or shown safe there). */
export function scenarioBugNames(s: Scenario): string[] {
  return [...Object.keys(s.bugs), ...Object.keys(s.safeBugs)];
}

/** Validates the options and builds the program; bad names are MmulabErrors naming the valid ones. */
export function buildScenario(
  name: string,
  opts: { design?: string; bugs?: readonly string[]; lockdep?: boolean } = {},
  from: readonly Scenario[] = catalogue,
): Program {
  const s = findScenario(name, from);
  const design = opts.design ?? s.designs[0]!;
  if (!s.designs.includes(design)) {
    const known = design in designs ? ` is not available for ${s.name}` : ' is unknown';
    throw new MmulabError(
      'MMULAB_UNKNOWN_DESIGN',
      `notifier design '${design}'${known} (valid: ${s.designs.join(', ')})`,
    );
  }
  const valid = scenarioBugNames(s);
  for (const b of opts.bugs ?? []) {
    if (!valid.includes(b)) {
      throw new MmulabError(
        'MMULAB_UNKNOWN_BUG',
        `unknown bug '${b}' for ${s.name} (valid: ${valid.join(', ')})`,
      );
    }
  }
  const program = s.build({ design, bugs: [...new Set(opts.bugs ?? [])] });
  return opts.lockdep ? withLockdep(program) : program;
}
