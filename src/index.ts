/**
 * mmulab's public API. Named exports only: the runtime and its primitives (for driver
 * authors), the explorer and its verdicts.
 */
export { MmulabError, type MmulabErrorCode } from './errors.js';
export {
  type Cut,
  DfsStrategy,
  describeVerdict,
  type ExploreOptions,
  explore,
  makeStrategy,
  RandomStrategy,
  type ReplayResult,
  replay,
  type Strategy,
  type StrategyOptions,
  strategies,
  type Verdict,
} from './explore/index.js';
export * as sim from './sim/index.js';
