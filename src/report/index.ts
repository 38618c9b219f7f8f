export { escapeHtml, type HtmlOptions, renderHtml } from './html.js';
export { classifyOp, KNOWN_NOTE_KINDS, type LockEffect, lockEffect, type StepKind } from './kinds.js';
export {
  type ChromeTrace,
  type ChromeTraceEvent,
  renderChromeTrace,
  tidOf,
  toChromeTrace,
} from './perfetto.js';
export { recordRun } from './record.js';
export { renderText, type TextOptions, type TextPalette } from './text.js';
export {
  type FrameSpan,
  type LockSpan,
  observe,
  type Trace,
  type TraceEmitter,
  type TraceEntry,
  type TraceEvents,
  TraceRecorder,
  type TraceStep,
  type TraceThread,
  traceEmitter,
} from './trace.js';
export { type ReportPaths, writeReports } from './write.js';
