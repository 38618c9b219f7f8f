/**
 * mmulab's public API. Named exports only: the runtime and its primitives (for driver
 * authors), the explorer and its verdicts.
 */

export { AgingOracle, type SecondaryView, type Translation, watchCoherence } from './check/index.js';
export {
  type CompareCell,
  type CompareOptions,
  type CompareResult,
  type CompareRow,
  type Costs,
  compare,
  defaultDesigns,
  defaultRows,
  measureCosts,
} from './compare/index.js';
export { MmulabError, type MmulabErrorCode } from './errors.js';
export {
  type Cut,
  DEFAULT_STEP_TIMEOUT_MS,
  DfsStrategy,
  describeVerdict,
  type ExploreOptions,
  explore,
  exploreParallel,
  exploreWatched,
  type FoundViolation,
  makeStrategy,
  mergeShards,
  type ParallelOptions,
  type ProgramRef,
  parseShard,
  parseShardResult,
  RandomStrategy,
  type ReplayResult,
  replay,
  replayWatched,
  resolveProgram,
  runShard,
  type ShardOptions,
  type ShardResult,
  type ShrinkInfo,
  type Strategy,
  type StrategyOptions,
  strategies,
  type Verdict,
} from './explore/index.js';
export {
  driverTarget,
  type FuzzOptions,
  type FuzzResult,
  type FuzzTarget,
  formatWorkload,
  fuzz,
  fuzzTargets,
  parseWorkload,
  type Workload,
  workloadArbitrary,
  workloadProgram,
} from './fuzz/index.js';
export { ClassicChain, designs, type MmuNotifierChain } from './notifier/index.js';
// The driver-author API (docs/driver-guide.md): defineSecondaryMmu, the device TLB, the
// primary's gup/fault entry points, the notifier types and the kernel primitives.
export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifyEvent } from './notifier/ops.js';
export * as primary from './primary/index.js';
export type { Mm } from './primary/mm.js';
export { allocPagesGfp, kmalloc } from './primary/ops/alloc.js';
export { handleMmFault } from './primary/ops/fault.js';
export { getUserPages, getUserPagesFastOnly, getUserPagesLocked } from './primary/ops/gup.js';
export { getPage, type PageFrame, putPage } from './primary/page.js';
export type { Pte } from './primary/pte.js';
export {
  type ChromeTrace,
  type ChromeTraceEvent,
  escapeHtml,
  type FrameSpan,
  type HtmlOptions,
  type LockSpan,
  observe,
  type ReportPaths,
  recordRun,
  renderChromeTrace,
  renderHtml,
  renderText,
  type StepKind,
  type TextOptions,
  type TextPalette,
  type Trace,
  type TraceEmitter,
  type TraceEntry,
  type TraceEvents,
  TraceRecorder,
  type TraceStep,
  type TraceThread,
  toChromeTrace,
  traceEmitter,
  writeReports,
} from './report/index.js';
export { buildScenario, catalogue, findScenario } from './scenarios/catalogue.js';
export { driverScenarios, workloads } from './scenarios/races/driver-world.js';
export type { Scenario, ScenarioOptions } from './scenarios/scenario.js';
export {
  type BugFlags,
  type DriverOps,
  defineSecondaryMmu,
  getUserPage,
  type SecondaryInstance,
  type SecondaryMmuDriver,
  type SecondaryMmuSpec,
} from './secondary-mmu/define.js';
export { type DeviceAccessResult, DeviceTlb, type DeviceTlbEntry } from './secondary-mmu/device-tlb.js';
export { Kvm, type KvmBug, kvmBugs } from './secondary-mmu/kvm/index.js';
export { RETRY, retryLoop } from './sim/api.js';
export { Word } from './sim/cell.js';
export * as sim from './sim/index.js';
export { enableLockdep, Lockdep, LockdepMap, lockMapAcquire, lockMapRelease } from './sim/lockdep.js';
export type { Sim } from './sim/step.js';
export { AtomicT, atomicDecAndTest, atomicInc, atomicRead } from './sim/sync/atomic.js';
export { Mutex, mutexLock, mutexTrylock, mutexUnlock } from './sim/sync/mutex.js';
export { downRead, downWrite, RwSemaphore, upRead, upWrite } from './sim/sync/rwsem.js';
export { SpinLock, spinLock, spinLockSection, spinTrylock, spinUnlock } from './sim/sync/spinlock.js';
export { WaitQueue, waitEvent, wakeUp } from './sim/sync/waitqueue.js';
