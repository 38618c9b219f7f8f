import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/uffd/', import.meta.url));

/** The 130 scenario scripts, in file-name order: [path, text]. */
export function fixtureScripts(): [string, string][] {
  return readdirSync(`${FIXTURES}scenarios`)
    .filter((f) => f.endsWith('.uffd'))
    .sort()
    .map((f) => [`${FIXTURES}scenarios/${f}`, readFileSync(`${FIXTURES}scenarios/${f}`, 'utf8')]);
}

/** The lines of kernel-6.18.jsonl, without the final empty one. */
export function kernelLines(): string[] {
  return readFileSync(`${FIXTURES}kernel-6.18.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}
