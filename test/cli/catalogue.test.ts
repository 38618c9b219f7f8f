import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCatalogue } from '../../src/explore/catalogue.js';
import { catalogue } from '../../src/scenarios/catalogue.js';
import { cli } from './run.js';

describe('the main job', () => {
  it('finds every bug flag and verifies every fix of the catalogue', () => {
    const entries = runCatalogue(catalogue);
    const wrong = entries
      .filter((e) => !e.asExpected)
      .map((e) => `${e.scenario} ${e.bug ?? 'correct'}: ${e.verdict.kind}`);
    expect(wrong).toEqual([]);
    for (const s of catalogue) {
      const mine = entries.filter((e) => e.scenario === s.name);
      expect(mine.filter((e) => e.bug !== null && e.expect === 'violation').map((e) => e.bug)).toEqual(
        Object.keys(s.bugs),
      );
      const fix = s.correctFails ? 'violation' : s.catalogueSearch ? 'bounded' : 'verified';
      expect(mine.filter((e) => e.bug === null).map((e) => e.verdict.kind)).toEqual([fix]);
    }
  }, 300_000);

  it('prints the table, writes a report per violation and an index, exits 0', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mmulab-')), 'report');
    const r = await cli('catalogue', '--report-dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario +variant +result \(dpor unless named\) +runs +reference/);
    expect(r.out).toMatch(/kvm-munmap +bug no-retry-check +found: stale-translation/);
    expect(r.out).toMatch(
      /\n\d+ scenarios: (\d+)\/\1 bugs found, (\d+)\/\2 fixes verified, (\d+)\/\3 bounded by sampling \(kvm-postcopy, kvm-ksm-merge-6.6, overlapping-starts, kvm-pfncache: not a proof\), in [\d.]+ s; reports in /,
    );
    const violations = runCatalogue(catalogue).filter((e) => e.verdict.kind === 'violation');
    const files = readdirSync(dir).filter((f) => f !== 'index.html');
    expect(files.sort()).toEqual(violations.map((e) => `${e.scenario}--${e.bug ?? 'correct'}.html`).sort());
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const f of files) expect(index).toContain(`href="${f}"`);
    expect(readFileSync(join(dir, 'kvm-munmap--no-retry-check.html'), 'utf8')).toContain(
      'mmulab replay kvm-munmap --bug no-retry-check --token m1.',
    );
    // Two catalogue runs: over the default timeout when the two shared cores are busy.
  }, 300_000);

  it('--json prints one object, --no-report-dir writes nothing', async () => {
    const r = await cli('catalogue', '--json', '--no-report-dir');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { ok: boolean; entries: Array<{ verdict: string; expect: string }> };
    expect(j.ok).toBe(true);
    expect(j.entries.every((e) => e.verdict === e.expect)).toBe(true);
    expect(existsSync('mmulab-report-should-not-exist')).toBe(false);
  });
});
