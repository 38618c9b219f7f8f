/**
 * mmulab's public API. Named exports only: the runtime and its primitives (for driver
 * authors), the explorer and its verdicts.
 */

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
export * as sim from './sim/index.js';
