import { loadDriver } from '../cli/load-driver.js';
import type { ProgramRef } from '../explore/program-ref.js';
import type { Program } from '../sim/program.js';
import { workloadProgram } from './program.js';
import { driverTarget, type FuzzTarget, findFuzzTarget } from './targets.js';
import { parseWorkload } from './workload.js';

/** A fuzz target as data, for a watched worker to rebuild: a built-in secondary or a driver module. */
export interface FuzzTargetArgs {
  readonly secondary: string | null;
  /** The `--driver` module, resolved against the worker's cwd (the CLI's). */
  readonly driver: string | null;
}

export async function fuzzTargetOf(a: FuzzTargetArgs): Promise<FuzzTarget> {
  return a.driver === null ? findFuzzTarget(a.secondary ?? '') : driverTarget(await loadDriver(a.driver));
}

export interface FuzzWorkloadArgs extends FuzzTargetArgs {
  /** The workload in its printed form. */
  readonly workload: string;
  readonly bugs: readonly string[];
}

/** The ProgramRef export: one workload against its target (`--workload`, watched). */
export async function fuzzWorkloadProgram(a: FuzzWorkloadArgs): Promise<Program> {
  return workloadProgram(await fuzzTargetOf(a), parseWorkload(a.workload), a.bugs);
}

export function fuzzWorkloadRef(a: FuzzWorkloadArgs): ProgramRef {
  return { module: import.meta.url, export: 'fuzzWorkloadProgram', args: [a] };
}
