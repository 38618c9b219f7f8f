import { KNOWN_NOTE_KINDS } from './kinds.js';
import type { Trace, TraceEntry } from './trace.js';

/**
 * Styling hooks for the text trace; the CLI passes picocolors-backed ones (src/cli/colour.ts),
 * the default is plain text.
 */
export interface TextPalette {
  task(s: string): string;
  kind(kind: string, s: string): string;
  violation(s: string): string;
  dim(s: string): string;
}

const plain: TextPalette = { task: (s) => s, kind: (_k, s) => s, violation: (s) => s, dim: (s) => s };

export interface TextOptions {
  readonly replayCommand?: string;
  readonly palette?: TextPalette;
}

const INDENT = '  ';

/**
 * The trace as ftrace's function_graph tracer would print it: one line a step, the task
 * (`name-tid`) and step index in front, callbacks as `label() {` ... `}` blocks indented by
 * nesting depth, notes as `/* kind: text *\/` comments (trace_printk inside a graph trace).
 */
export function renderText(trace: Trace, opts: TextOptions = {}): string {
  const p = opts.palette ?? plain;
  const tasks = new Map(trace.threads.map((t) => [t.id, `${t.name}-${t.id}`]));
  const taskWidth = Math.max(8, ...[...tasks.values()].map((s) => s.length));
  const stepWidth = Math.max(4, String(Math.max(0, trace.steps - 1)).length);
  const out: string[] = [];
  out.push('# tracer: mmulab (function_graph style)');
  out.push(`# program: ${trace.program}`);
  if (opts.replayCommand) out.push(`# replay:  ${opts.replayCommand}`);
  out.push(`# steps: ${trace.steps}  threads: ${trace.threads.map((t) => t.label).join(' ')}`);
  out.push('#');
  out.push(`# ${'TASK-TID'.padStart(taskWidth)}  ${'STEP'.padStart(stepWidth + 2)} | FUNCTION CALLS`);
  out.push(`# ${'|   |'.padStart(taskWidth)}  ${'|'.padStart(stepWidth + 1)}  | |   |   |   |`);
  const v = trace.violation;
  for (const e of trace.entries) {
    const task = p.task((tasks.get(e.thread) ?? `?-${e.thread}`).padStart(taskWidth));
    const stepCol =
      e.type === 'step' ? `[${String(e.index).padStart(stepWidth, '0')}]` : ' '.repeat(stepWidth + 2);
    const body = INDENT.repeat(e.depth) + entryText(e, p);
    let line = `  ${task}  ${stepCol} | ${body}`;
    if (e.type === 'step' && v && e.index === v.step && e.thread === trace.violationThread) {
      line += p.violation(`   <== ${v.name}`);
    }
    out.push(line);
  }
  if (v) {
    out.push('#');
    out.push(
      p.violation(
        `# VIOLATION ${v.name} at step ${v.step}${v.thread ? ` by ${v.thread}` : ''}: ${v.message}`,
      ),
    );
  } else {
    out.push('#');
    out.push('# run ended with no violation');
  }
  return out.join('\n') + '\n';
}

function entryText(e: TraceEntry, p: TextPalette): string {
  switch (e.type) {
    case 'step':
      return p.kind(e.kind, e.text);
    case 'enter':
      return p.kind('callback', `${e.label}() {`);
    case 'exit':
      return p.kind('callback', '}') + p.dim(` /* ${e.label} */`);
    case 'note': {
      const k = (KNOWN_NOTE_KINDS as readonly string[]).includes(e.kind) ? e.kind : 'note';
      return p.kind(k, `/* ${e.kind}: ${e.text} */`);
    }
    case 'spawn':
      return p.dim(`/* spawn ${e.name}${e.parent === null ? '' : ` by T${e.parent}`} */`);
    case 'thread-exit':
      return p.dim('/* exit */');
  }
}
