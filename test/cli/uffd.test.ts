import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../scenarios/uffd-script/fixtures.js';
import { cli } from './run.js';

const script = (name: string) => `${FIXTURES}scenarios/${name}.uffd`;
const kernelLine = (name: string) =>
  readFileSync(`${FIXTURES}kernel-6.18.jsonl`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`{"scenario":"${name}"`));

describe('mmulab uffd run', () => {
  it("prints the oracle's line for each script, byte for byte", async () => {
    const r = await cli('uffd', 'run', script('copy_basic'), script('wp_basic'));
    expect(r).toEqual({ code: 0, out: `${kernelLine('copy_basic')}\n${kernelLine('wp_basic')}\n`, err: '' });
    expect((await cli('uffd', 'run', '--json', script('copy_basic'))).out).toBe(
      `${kernelLine('copy_basic')}\n`,
    );
  });
  it('a syntax error prints FILE:LINE: message and exits 2 before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmulab-uffd-'));
    const bad = join(dir, 'bad.uffd');
    writeFileSync(bad, '# x\nuffd u\nregister u M:0 pages=1 mode=MISSING\n');
    const r = await cli('uffd', 'run', script('copy_basic'), bad);
    expect(r).toEqual({ code: 2, out: '', err: `${bad}:3: unknown mapping in 'M:0'\n` });
  });
  it('an unreadable file is one line and exit 2', async () => {
    const r = await cli('uffd', 'run', '/nonexistent/x.uffd');
    expect(r.code).toBe(2);
    expect(r.err).toBe('mmulab: /nonexistent/x.uffd: cannot read (ENOENT)\n');
  });
});

describe('mmulab uffd check', () => {
  it('the kernel-6.18 vectors: 130 scripts, all matching, exit 0', async () => {
    const r = await cli('uffd', 'check', FIXTURES);
    expect(r).toEqual({ code: 0, out: 'scripts    130\nmatching   130\ndiffering  0\n', err: '' });
  });
  it('a differing .expected is named with its first differing field, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmulab-uffd-'));
    writeFileSync(join(dir, 'copy_basic.uffd'), readFileSync(script('copy_basic')));
    writeFileSync(
      join(dir, 'copy_basic.expected'),
      `${kernelLine('copy_basic')!.replace('"value":"0x41"', '"value":"0x42"')}\n`,
    );
    writeFileSync(join(dir, 'zp_basic.uffd'), readFileSync(script('zp_basic')));
    writeFileSync(join(dir, 'zp_basic.expected'), `${kernelLine('zp_basic')}\n`);
    const r = await cli('uffd', 'check', dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'scripts    2\nmatching   1\ndiffering  1\n\nscenario    first difference\ncopy_basic  steps[5].value: expected "0x42", got "0x41"\n',
    );
  });
  it('a folder without expectations, or a missing one, is bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmulab-uffd-'));
    expect((await cli('uffd', 'check', dir)).code).toBe(2);
    expect(await cli('uffd', 'check', '/nonexistent')).toEqual({
      code: 2,
      out: '',
      err: 'mmulab: /nonexistent: no such file or folder\n',
    });
  });
});
