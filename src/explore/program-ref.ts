import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MmulabError } from '../errors.js';
import type { Program } from '../sim/program.js';

/**
 * A program as data, for a worker thread or another machine to rebuild: the module that
 * exports it (an absolute file URL or path, or a package specifier such as
 * `mmulab/scenarios`), the export's name, and, when the export is a factory, its JSON
 * arguments (`notifierRace(true, 2, 2)` is `{ export: 'notifierRace', args: [true, 2, 2] }`);
 * a factory may return a promise of the program.
 */
export interface ProgramRef {
  readonly module: string;
  readonly export: string;
  readonly args?: readonly unknown[];
}

/** Imports the module and builds the program; one clear error for each way it can fail. */
export async function resolveProgram(ref: ProgramRef): Promise<Program> {
  const spec = isAbsolute(ref.module) ? pathToFileURL(ref.module).href : ref.module;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    throw new MmulabError(
      'MMULAB_BAD_PROGRAM',
      `cannot import ${ref.module}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
  }
  const x = mod[ref.export];
  if (x === undefined)
    throw new MmulabError('MMULAB_BAD_PROGRAM', `${ref.module} has no export '${ref.export}'`);
  // A factory may be async (a scenario with a user's driver module loads it first).
  const p = typeof x === 'function' ? await (x as (...a: unknown[]) => unknown)(...(ref.args ?? [])) : x;
  if (!isProgram(p)) {
    throw new MmulabError(
      'MMULAB_BAD_PROGRAM',
      `${ref.module}#${ref.export}${typeof x === 'function' ? '(...)' : ''} is not a program (an object with a name and setup(rt))`,
    );
  }
  return p;
}

function isProgram(p: unknown): p is Program {
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof (p as Program).name === 'string' &&
    typeof (p as Program).setup === 'function'
  );
}
