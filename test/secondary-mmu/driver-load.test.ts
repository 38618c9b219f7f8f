import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'mmulab-driver-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('mmulab explore --driver: bad drivers are one line and exit 2', () => {
  it('a missing file', async () => {
    const r = await cli('explore', 'munmap', '--driver', join(dir, 'none.ts'));
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `mmulab: cannot load driver ${join(dir, 'none.ts')}: no such file\n`,
    });
  });

  it('a module that throws on import', async () => {
    const p = file('throws.ts', "throw new Error('boom');\n");
    const r = await cli('explore', 'munmap', '--driver', p);
    expect(r).toEqual({ code: 2, out: '', err: `mmulab: cannot load driver ${p}: boom\n` });
  });

  it('a module that exports no driver', async () => {
    const p = file('empty.ts', 'export const x = 1;\n');
    const r = await cli('explore', 'munmap', '--driver', p);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `mmulab: driver ${p} exports no secondary MMU (export default defineSecondaryMmu({ ... }))\n`,
    });
  });

  it('a driver whose init throws', async () => {
    const p = file(
      'init.ts',
      "import { defineSecondaryMmu } from 'mmulab';\nexport default defineSecondaryMmu({ name: 'bad', bugs: {}, init: () => { throw new Error('no device'); }, ops: {}, *access() { return false; } });\n",
    );
    const r = await cli('explore', 'munmap', '--driver', p);
    expect(r).toEqual({ code: 2, out: '', err: `mmulab: driver bad (${p}) throws in init: no device\n` });
  });

  it('an unknown bug flag of the driver', async () => {
    const r = await cli('explore', 'munmap', '--driver', 'examples/toy-tlb.ts', '--bug', 'nope');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: "mmulab: unknown bug 'nope' for munmap (valid: noRetryCheck)\n",
    });
  });
});
