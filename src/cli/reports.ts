import type { Command } from 'commander';
import { recordRun } from '../report/record.js';
import { writeReports } from '../report/write.js';
import type { Program } from '../sim/program.js';

/** The report files a command was asked for. */
export interface ReportFlags {
  /** Chrome trace-event JSON (opens in Perfetto). */
  readonly trace?: string;
  /** Self-contained HTML timeline. */
  readonly report?: string;
  /** ftrace-like text. */
  readonly text?: string;
}

export function addReportFlags(cmd: Command): Command {
  return cmd
    .option('--trace <file.json>', "write the run's Chrome trace-event JSON (open it in ui.perfetto.dev)")
    .option('--report <file.html>', 'write a self-contained HTML timeline of the run')
    .option('--text <file.txt>', 'write an ftrace-like text trace of the run');
}

export function wantsReports(f: ReportFlags): boolean {
  return f.trace !== undefined || f.report !== undefined || f.text !== undefined;
}

/** Replays `token`, records it and writes the requested files; returns the paths written. */
export function writeRunReports(
  program: Program,
  token: string,
  f: ReportFlags,
  replayCommand: string,
  maxSteps?: number,
): string[] {
  if (!wantsReports(f)) return [];
  const trace = recordRun(program, token, maxSteps === undefined ? {} : { maxSteps });
  return writeReports(trace, {
    replayCommand,
    ...(f.text === undefined ? {} : { text: f.text }),
    ...(f.trace === undefined ? {} : { traceJson: f.trace }),
    ...(f.report === undefined ? {} : { html: f.report }),
  });
}
