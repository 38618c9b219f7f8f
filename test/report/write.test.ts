import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { recordRun } from '../../src/report/record.js';
import { writeReports } from '../../src/report/write.js';
import { firstViolation, kvmRace } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes each requested format with the replay command in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmulab-report-'));
    dirs.push(dir);
    const p = kvmRace();
    const token = firstViolation(p);
    const replayCommand = `mmulab replay ${p.name} ${token}`;
    const paths = { text: join(dir, 't.txt'), traceJson: join(dir, 't.json'), html: join(dir, 't.html') };
    const written = writeReports(recordRun(p, token), { ...paths, replayCommand });
    expect(written).toEqual([paths.text, paths.traceJson, paths.html]);
    expect(readFileSync(paths.text, 'utf8')).toContain(`# replay:  ${replayCommand}`);
    expect(JSON.parse(readFileSync(paths.traceJson, 'utf8')).otherData.replay).toBe(replayCommand);
    expect(readFileSync(paths.html, 'utf8')).toContain(`<code id="replay-command">${replayCommand}</code>`);
  });

  it('writes only what was asked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmulab-report-'));
    dirs.push(dir);
    const p = kvmRace();
    const out = join(dir, 'only.json');
    expect(writeReports(recordRun(p, firstViolation(p)), { traceJson: out, replayCommand: 'x' })).toEqual([
      out,
    ]);
  });

  it('reports an unwritable path as one line with MMULAB_BAD_FILE', () => {
    const p = kvmRace();
    const t = recordRun(p, firstViolation(p));
    const bad = '/nonexistent-dir/sub/out.html';
    let err: unknown;
    try {
      writeReports(t, { html: bad, replayCommand: 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MmulabError);
    expect((err as MmulabError).code).toBe('MMULAB_BAD_FILE');
    expect((err as MmulabError).message).toBe(`cannot write ${bad}: ENOENT`);
  });
});
