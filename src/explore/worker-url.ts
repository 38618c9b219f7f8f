import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * A worker script next to `base` (by default src/explore: `worker`, `watch-worker`): the .js
 * from dist/; under tsx or vitest (running the .ts sources) a data: URL module registers
 * tsx's loader in the worker, then imports the .ts.
 */
export function workerUrl(name = 'worker', base: string = import.meta.url): URL {
  if (!base.endsWith('.ts')) return new URL(`./${name}.js`, base);
  // The ESM entry of tsx/esm/api (require.resolve finds the CommonJS one next to it).
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
  const worker = new URL(`./${name}.ts`, base).href;
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(worker)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
