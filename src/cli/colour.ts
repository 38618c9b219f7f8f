import pc from 'picocolors';
import type { Verdict } from '../explore/verdict.js';
import type { TextPalette } from '../report/text.js';

/** The colours a command may use: picocolors' functions, identity when colour is off. */
export type Colours = ReturnType<typeof pc.createColors> & { readonly enabled: boolean };

export interface ColourContext {
  /** Whether stdout is a terminal. */
  readonly isTty: boolean;
  /** `--json` output is never coloured. */
  readonly json?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether to colour: never under --json or NO_COLOR (any non-empty value, no-color.org);
 * FORCE_COLOR (non-empty, not '0') forces it on a pipe; else only on a terminal that is not
 * TERM=dumb.
 */
export function colourEnabled(ctx: ColourContext): boolean {
  const env = ctx.env ?? process.env;
  if (ctx.json) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return ctx.isTty && env.TERM !== 'dumb';
}

export function colours(ctx: ColourContext): Colours {
  const enabled = colourEnabled(ctx);
  return { ...pc.createColors(enabled), enabled };
}

/** A verdict line in its colour: violation red, verified green, bounded yellow. */
export function verdictColour(c: Colours, v: Verdict, line: string): string {
  switch (v.kind) {
    case 'violation':
      return c.bold(c.red(line));
    case 'verified':
      return c.bold(c.green(line));
    default:
      return c.yellow(line);
  }
}

/** The text trace's palette (src/report/text.ts) in these colours. */
export function textPalette(c: Colours): TextPalette {
  const byKind: Readonly<Record<string, (s: string) => string>> = {
    lock: c.red,
    unlock: c.green,
    read: c.blue,
    write: c.yellow,
    rmw: c.magenta,
    wait: c.gray,
    spawn: c.gray,
    choose: c.gray,
    callback: c.cyan,
    pte: c.yellow,
    'tlb-flush': c.cyan,
    'page-alloc': c.green,
    'page-free': c.red,
    'uffd-msg': c.magenta,
    note: c.dim,
  };
  return {
    task: c.bold,
    kind: (k, s) => (byKind[k] ?? c.dim)(s),
    violation: (s) => c.bold(c.red(s)),
    dim: c.dim,
  };
}
