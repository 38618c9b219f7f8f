import { writeFileSync } from 'node:fs';
import { MmulabError } from '../errors.js';
import { renderHtml } from './html.js';
import { renderChromeTrace } from './perfetto.js';
import { renderText } from './text.js';
import type { Trace } from './trace.js';

export interface ReportPaths {
  /** ftrace-like text trace. */
  readonly text?: string;
  /** Chrome trace-event JSON (`--trace out.json`). */
  readonly traceJson?: string;
  /** Self-contained HTML page (`--report out.html`). */
  readonly html?: string;
  /** The command that replays the run, embedded in every format. */
  readonly replayCommand: string;
}

/**
 * Renders `trace` into each requested file and returns the paths written, in the order text,
 * JSON, HTML. A path that cannot be written is a caller error (MMULAB_BAD_FILE), one line.
 */
export function writeReports(trace: Trace, paths: ReportPaths): string[] {
  const opts = { replayCommand: paths.replayCommand };
  const jobs: [string | undefined, () => string][] = [
    [paths.text, () => renderText(trace, opts)],
    [paths.traceJson, () => renderChromeTrace(trace, opts)],
    [paths.html, () => renderHtml(trace, opts)],
  ];
  const written: string[] = [];
  for (const [path, render] of jobs) {
    if (path === undefined) continue;
    try {
      writeFileSync(path, render());
    } catch (e) {
      const why = e instanceof Error && 'code' in e ? String(e.code) : String(e);
      throw new MmulabError('MMULAB_BAD_FILE', `cannot write ${path}: ${why}`);
    }
    written.push(path);
  }
  return written;
}
