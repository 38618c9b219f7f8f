export { workloadArbitrary } from './arbitrary.js';
export {
  DEFAULT_MAX_SHRINKS,
  exploreWorkload,
  type FuzzCounts,
  type FuzzOptions,
  type FuzzProgress,
  type FuzzResult,
  type FuzzStrategy,
  type FuzzWatch,
  fuzz,
  type KnownHang,
} from './fuzz.js';
export { workloadProgram } from './program.js';
export { type FuzzTargetArgs, fuzzWorkloadProgram, fuzzWorkloadRef } from './ref.js';
export {
  type AttachedSecondary,
  driverTarget,
  type FuzzTarget,
  findFuzzTarget,
  fuzzTargets,
  kvmTarget,
} from './targets.js';
export { type FuzzRunOptions, fuzzWatched, MAX_FUZZ_HANGS } from './watched.js';
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
