import type { ProgramRef } from '../explore/program-ref.js';
import { buildScenario } from '../scenarios/catalogue.js';
import { driverScenarios } from '../scenarios/races/driver-world.js';
import type { Program } from '../sim/program.js';
import { loadDriver } from './load-driver.js';

/**
 * A catalogue scenario (or a standard workload against a user's driver) as data, for
 * `mmulab explore --workers N`: each worker thread rebuilds the program from it.
 */
export interface ScenarioArgs {
  readonly scenario: string;
  readonly design: string;
  readonly bugs: readonly string[];
  /** The `--driver` module, resolved against the worker's cwd (the same as the CLI's). */
  readonly driver: string | null;
  /** `--lockdep`: the lock validator on in every run. */
  readonly lockdep?: boolean;
}

/** The ProgramRef export a worker resolves: builds the scenario from its JSON args. */
export async function scenarioProgram(args: ScenarioArgs): Promise<Program> {
  const from = args.driver === null ? undefined : driverScenarios(await loadDriver(args.driver));
  return buildScenario(
    args.scenario,
    { design: args.design, bugs: args.bugs, lockdep: args.lockdep === true },
    from,
  );
}

export function scenarioRef(args: ScenarioArgs): ProgramRef {
  return { module: import.meta.url, export: 'scenarioProgram', args: [args] };
}
