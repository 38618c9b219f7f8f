/**
 * Lines and tokens of a `.uffd` script, as uffd_oracle.c `load_script` cuts them: the text ends at
 * the first NUL byte, lines end at `\n`, `#` starts a comment, tokens are separated by spaces, tabs
 * and `\r`; every physical line counts for line numbers. A line with more than 24 tokens is an
 * error found before any other check of the file.
 */

import { cBuffer } from './c-number.js';
import { UffdScriptSyntaxError } from './error.js';
import { MAX_TOKENS_PER_LINE } from './syntax.js';

export interface ScriptLine {
  readonly line: number;
  /** The op first; never empty. */
  readonly tokens: readonly [string, ...string[]];
}

export function lexUffdScript(text: string, path: string): ScriptLine[] {
  const nul = text.indexOf('\0');
  const body = nul === -1 ? text : text.slice(0, nul);
  const lines: ScriptLine[] = [];
  const physical = body.split('\n');
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] as string;
    const hash = raw.indexOf('#');
    const code = hash === -1 ? raw : raw.slice(0, hash);
    const tokens = code.split(/[ \t\r]+/).filter((t) => t !== '');
    const [op, ...args] = tokens;
    if (op === undefined) continue;
    if (tokens.length > MAX_TOKENS_PER_LINE) throw new UffdScriptSyntaxError(path, i + 1, 'too many tokens');
    lines.push({ line: i + 1, tokens: [op, ...args] });
  }
  return lines;
}

/** The scenario name of a script path: its file name without a final `.uffd` (uffd_oracle.c `load_script`). */
export function scenarioName(path: string): string {
  const base = cBuffer(path.slice(path.lastIndexOf('/') + 1), 256);
  const dot = base.lastIndexOf('.');
  return dot !== -1 && base.slice(dot) === '.uffd' ? base.slice(0, dot) : base;
}
