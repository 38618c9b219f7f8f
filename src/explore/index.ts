export { violationKey } from './dedup.js';
export {
  DEFAULT_MAX_RUNS,
  type ExploreOptions,
  type ExploreStart,
  explore,
  exploreAsync,
  type ReplayResult,
  replay,
  runOnce,
} from './explorer.js';
export { mergeShards, parseShardResult } from './merge.js';
export { type ProgramRef, resolveProgram } from './program-ref.js';
export {
  parseShard,
  runShard,
  type ShardOptions,
  type ShardResult,
  type ShardSpec,
  type ShardViolation,
  splitUnits,
} from './shard.js';
export { type ShrinkOptions, type ShrinkResult, shrink } from './shrink.js';
export { DfsStrategy } from './strategies/dfs.js';
export { DporStrategy } from './strategies/dpor.js';
export { makeStrategy, type StrategyOptions, strategies } from './strategies/index.js';
export { PctStrategy } from './strategies/pct.js';
export { RandomStrategy } from './strategies/random.js';
export { ReplayScheduler } from './strategies/replay.js';
export type { Strategy } from './strategy.js';
export {
  type Cut,
  describeVerdict,
  type FoundViolation,
  type SearchEnd,
  type ShrinkInfo,
  type Verdict,
} from './verdict.js';
export { runShardWatched, type ShardWatchdog } from './watch-shards.js';
export {
  DEFAULT_STEP_TIMEOUT_MS,
  exploreWatched,
  replayWatched,
  type WatchedExploreOptions,
  type WatchHooks,
} from './watchdog.js';
export { exploreParallel, type ParallelOptions } from './workers.js';
