import type { SimEvent } from '../../sim/trace.js';

/**
 * A plain text trace of one run: one line a step (index, thread, what it did), callback
 * frames indented under the thread that entered them, notes as `·` lines, the violation last.
 * Kept here so that src/report/text.ts can replace it.
 */
export function renderReplayText(events: readonly SimEvent[]): string {
  const names = new Map<number, string>();
  const depth = new Map<number, number>();
  const lines: string[] = [];
  const who = (t: number) => `T${t} ${names.get(t) ?? '?'}`.padEnd(14);
  const pad = (t: number) => '  '.repeat(depth.get(t) ?? 0);
  for (const e of events) {
    switch (e.type) {
      case 'spawn':
        names.set(e.thread, e.name);
        break;
      case 'enter':
        lines.push(`      ${who(e.thread)} ${pad(e.thread)}> ${e.label}`);
        depth.set(e.thread, (depth.get(e.thread) ?? 0) + 1);
        break;
      case 'exit':
        depth.set(e.thread, Math.max(0, (depth.get(e.thread) ?? 0) - 1));
        break;
      case 'step':
        lines.push(`${String(e.index).padStart(5)} ${who(e.thread)} ${pad(e.thread)}${e.text}`);
        break;
      case 'note':
        lines.push(`      ${who(e.thread)} ${pad(e.thread)}· ${e.kind}: ${e.text}`);
        break;
      case 'thread-exit':
        lines.push(`      ${who(e.thread)} exits`);
        break;
      case 'violation':
        lines.push(`VIOLATION ${e.violation.name} at step ${e.violation.step}: ${e.violation.message}`);
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}
