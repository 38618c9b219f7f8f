export {
  DEFAULT_MAX_RUNS,
  type ExploreOptions,
  explore,
  type ReplayResult,
  replay,
  runOnce,
} from './explorer.js';
export { DfsStrategy } from './strategies/dfs.js';
export { DporStrategy } from './strategies/dpor.js';
export { makeStrategy, type StrategyOptions, strategies } from './strategies/index.js';
export { PctStrategy } from './strategies/pct.js';
export { RandomStrategy } from './strategies/random.js';
export { ReplayScheduler } from './strategies/replay.js';
export type { Strategy } from './strategy.js';
export { type Cut, describeVerdict, type Verdict } from './verdict.js';
