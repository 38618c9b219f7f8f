import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MmulabError } from '../errors.js';
import { Mm } from '../primary/mm.js';
import { PageAllocator } from '../primary/page.js';
import type { SecondaryMmuDriver } from '../secondary-mmu/define.js';

function isDriver(x: unknown): x is SecondaryMmuDriver {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Partial<SecondaryMmuDriver>;
  return typeof d.name === 'string' && typeof d.create === 'function' && typeof d.bugs === 'object';
}

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/**
 * Loads a driver module for `--driver`: its default export, or else its first export made by
 * defineSecondaryMmu. TypeScript goes through tsx's loader hooks (the bin runs compiled JS); under
 * vitest the test runner's own import already handles it. Every failure is one line: a
 * missing file, a module that throws on import, one that exports no driver, or a driver whose
 * init throws (tried once here on a throwaway mm, before any search). A module or init that
 * loops hangs this thread: the CLI loads through loadDriverWatched (load-driver-watched.ts).
 */
export async function loadDriver(path: string): Promise<SecondaryMmuDriver> {
  const driver = await importDriver(path);
  probeInit(driver, path);
  return driver;
}

/** The first phase of loadDriver: imports the module (running its top level) and finds the driver. */
export async function importDriver(path: string): Promise<SecondaryMmuDriver> {
  const abs = resolve(path);
  if (!existsSync(abs))
    throw new MmulabError('MMULAB_BAD_DRIVER', `cannot load driver ${path}: no such file`);
  const url = pathToFileURL(abs).href;
  let mod: Record<string, unknown>;
  try {
    if (/\.[mc]?tsx?$/.test(abs) && !process.env.VITEST) {
      // register(), not tsImport(): tsImport namespaces the module graph, so the driver would
      // get its own copy of mmulab's runtime; registered hooks load it into the bin's graph.
      // No tsconfig: its `paths` (mmulab → src, for typechecking) must not steer the driver.
      const { register } = await import('tsx/esm/api');
      register({ tsconfig: false });
      mod = (await import(url)) as Record<string, unknown>;
    } else {
      mod = (await import(url)) as Record<string, unknown>;
    }
  } catch (e) {
    throw new MmulabError('MMULAB_BAD_DRIVER', `cannot load driver ${path}: ${reason(e)}`);
  }
  const driver = [mod.default, ...Object.values(mod)].find(isDriver);
  if (!driver) {
    throw new MmulabError(
      'MMULAB_BAD_DRIVER',
      `driver ${path} exports no secondary MMU (export default defineSecondaryMmu({ ... }))`,
    );
  }
  return driver;
}

/** The second phase of loadDriver: the driver's init, once, on a throwaway one-page mm. */
export function probeInit(driver: SecondaryMmuDriver, path: string): void {
  try {
    const probe = new Mm('probe', new PageAllocator(1), { size: 1, vmas: [] });
    driver.create(probe, []);
  } catch (e) {
    if (e instanceof MmulabError) throw e;
    throw new MmulabError(
      'MMULAB_BAD_DRIVER',
      `driver ${driver.name} (${path}) throws in init: ${reason(e)}`,
    );
  }
}
