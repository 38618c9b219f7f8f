export { workloadArbitrary } from './arbitrary.js';
export {
  DEFAULT_MAX_SHRINKS,
  exploreWorkload,
  type FuzzCounts,
  type FuzzOptions,
  type FuzzResult,
  type FuzzStrategy,
  fuzz,
} from './fuzz.js';
export { workloadProgram } from './program.js';
export {
  type AttachedSecondary,
  driverTarget,
  type FuzzTarget,
  findFuzzTarget,
  fuzzTargets,
  kvmTarget,
} from './targets.js';
export {
  CPU_OPS,
  type CpuOp,
  type CpuOpName,
  type DeviceOp,
  formatWorkload,
  formatWorkloadLines,
  normalizeWorkload,
  parseWorkload,
  type Workload,
  type WorkloadThread,
  type WorkloadVma,
} from './workload.js';
