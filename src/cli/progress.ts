import { SingleBar } from 'cli-progress';
import type { RunResult } from '../sim/runtime.js';

/** Where the bar draws: a terminal stream (process.stderr by default). */
export interface ProgressStream extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** Whether stdout is a terminal; no bar otherwise (piped output stays clean). */
  readonly isTty: boolean;
  /** --json: never a bar. */
  readonly json?: boolean;
  /** The bar appears only once the search has run this long (ms); 1,000 by default. */
  readonly delayMs?: number;
  readonly stream?: ProgressStream;
  /** Milliseconds clock; performance.now by default (tests pass their own). */
  readonly now?: () => number;
}

/** The figures a progress line shows. */
export interface ProgressFigures {
  readonly runs: number;
  readonly violations: number;
  readonly elapsedMs: number;
  /** Schedules (runs) per second over the whole search. */
  readonly rate: number;
}

/** Redraws at most this often (ms): the search loop is synchronous, so the bar draws itself only here. */
const REDRAW_MS = 100;

/**
 * A progress line for long searches: wrap a search's `onRun` with `progress.onRun` and call
 * `stop()` when `explore` returns. Silent under --json, when stdout is not a terminal, when
 * the stream is not one, and for searches that end within `delayMs`.
 */
export class SearchProgress {
  readonly active: boolean;
  private readonly now: () => number;
  private readonly delayMs: number;
  private readonly stream: ProgressStream;
  private readonly t0: number;
  private bar: SingleBar | null = null;
  private lastDraw = 0;
  private runs = 0;
  private violations = 0;

  constructor(opts: ProgressOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.delayMs = opts.delayMs ?? 1000;
    this.stream = opts.stream ?? process.stderr;
    this.active = opts.isTty && !opts.json && this.stream.isTTY === true;
    this.t0 = this.now();
  }

  /** The explore `onRun` hook. */
  readonly onRun = (run: number, result: RunResult): void => {
    this.onCount(run, this.violations + (result.violation ? 1 : 0));
  };

  /** The counts alone: a search on a worker thread reports them (src/explore/watchdog.ts). */
  readonly onCount = (runs: number, violations: number): void => {
    this.runs = runs;
    this.violations = violations;
    if (!this.active) return;
    const t = this.now();
    if (!this.bar) {
      if (t - this.t0 < this.delayMs) return;
      this.bar = new SingleBar({
        stream: this.stream,
        format: () => formatProgress(this.figures()),
        synchronousUpdate: false,
        hideCursor: true,
        clearOnComplete: false,
        gracefulExit: true,
        linewrap: false,
      });
      this.bar.start(0, 0);
      this.lastDraw = t;
      return;
    }
    if (t - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = t;
      this.bar.render();
    }
  };

  figures(): ProgressFigures {
    const elapsedMs = Math.max(0, this.now() - this.t0);
    return {
      runs: this.runs,
      violations: this.violations,
      elapsedMs,
      rate: elapsedMs > 0 ? (this.runs * 1000) / elapsedMs : 0,
    };
  }

  /** Draws the final figures and releases the terminal; a no-op when no bar was shown. */
  stop(): void {
    if (!this.bar) return;
    this.bar.render();
    this.bar.stop();
    this.bar = null;
  }
}

/** `runs 12,345 | 4,321 schedules/s | 2.9 s | violations 0` */
export function formatProgress(f: ProgressFigures): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `runs ${n(f.runs)} | ${n(f.rate)} schedules/s | ${formatElapsed(f.elapsedMs)} | violations ${n(f.violations)}`;
}

function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
}
