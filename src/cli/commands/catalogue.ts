import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MmulabError } from '../../errors.js';
import { runCatalogue } from '../../explore/catalogue.js';
import { renderIndexPage } from '../../report/index-page.js';
import { recordRun } from '../../report/record.js';
import { writeReports } from '../../report/write.js';
import { buildScenario, catalogue } from '../../scenarios/catalogue.js';
import { EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';
import { table } from '../table.js';
import { replayCommand } from './explore.js';

export interface CatalogueCliOptions {
  readonly reportDir: string | false;
  readonly json?: boolean;
}

/**
 * The main job (`npm start`, `mmulab` with no command): the whole catalogue, each bug found
 * and each fix verified, one table, and an HTML report of every violation in `reportDir`.
 * Exit 0 when every verdict is the expected one.
 */
export function runCatalogueJob(io: Io, opts: CatalogueCliOptions): number {
  const t0 = performance.now();
  const entries = runCatalogue(catalogue);
  const dir = opts.reportDir;
  if (dir) {
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new MmulabError(
        'MMULAB_BAD_FILE',
        `cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  const rows = entries.map((e) => {
    const v = e.verdict;
    const variant = e.bug
      ? `bug ${e.bug}`
      : e.expect === 'violation'
        ? 'correct (fails by design)'
        : 'correct';
    let result: string;
    let href: string | null = null;
    if (v.kind === 'violation') {
      result = `found: ${v.violation.name}${e.strategy === 'dpor' ? '' : ` (${e.strategy.split(',')[0]})`}`;
      if (dir) {
        const bugs = e.bug ? [e.bug] : [];
        const file = `${e.scenario}--${e.bug ?? 'correct'}.html`;
        const trace = recordRun(buildScenario(e.scenario, { design: e.design, bugs }), v.token);
        writeReports(trace, {
          html: join(dir, file),
          replayCommand: replayCommand(e.scenario, bugs, e.design, v.token),
        });
        href = file;
      }
    } else if (v.kind === 'verified') {
      result = 'verified';
    } else {
      result = e.expect === 'bounded' ? `no violation (bounded: ${e.strategy})` : `bounded (${v.cut})`;
    }
    return { e, variant, result: e.asExpected ? result : `${result} (EXPECTED ${e.expect})`, href };
  });
  const ok = entries.every((e) => e.asExpected);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (opts.json) {
    io.out(
      `${JSON.stringify({
        ok,
        seconds: Number(seconds),
        entries: entries.map((e) => ({
          scenario: e.scenario,
          reference: e.reference,
          design: e.design,
          bug: e.bug,
          expect: e.expect,
          verdict: e.verdict.kind,
          runs: e.verdict.runs,
          invariant: e.verdict.kind === 'violation' ? e.verdict.violation.name : null,
          token: e.verdict.kind === 'violation' ? e.verdict.token : null,
        })),
      })}\n`,
    );
  } else {
    let last = '';
    io.out(
      table(
        ['scenario', 'variant', 'result (dpor unless named)', 'runs', 'reference'],
        rows.map((r) => {
          const first = r.e.scenario !== last;
          last = r.e.scenario;
          return [
            first ? r.e.scenario : '',
            r.variant,
            r.result,
            String(r.e.verdict.runs),
            first ? r.e.reference : '',
          ];
        }),
      ),
    );
    const found = entries.filter((e) => e.expect === 'violation' && e.asExpected).length;
    const bugs = entries.filter((e) => e.expect === 'violation').length;
    const verified = entries.filter((e) => e.expect === 'verified' && e.asExpected).length;
    const fixes = entries.filter((e) => e.expect === 'verified').length;
    const sampled = entries.filter((e) => e.expect === 'bounded');
    const sampledText = sampled.length
      ? `, ${sampled.filter((e) => e.asExpected).length}/${sampled.length} bounded by sampling (${[...new Set(sampled.map((e) => e.scenario))].join(', ')}: not a proof)`
      : '';
    io.out(
      `\n${catalogue.length} scenarios: ${found}/${bugs} bugs found, ${verified}/${fixes} fixes verified${sampledText}, in ${seconds} s` +
        (dir ? `; reports in ${dir}/index.html` : '') +
        '\n',
    );
  }
  if (dir) {
    writeFileSync(
      join(dir, 'index.html'),
      renderIndexPage(
        'mmulab catalogue',
        rows.map((r) => ({
          scenario: r.e.scenario,
          reference: r.e.reference,
          variant: r.variant,
          result: r.result,
          runs: r.e.verdict.runs,
          href: r.href,
          ok: r.e.asExpected,
        })),
      ),
    );
  }
  return ok ? EXIT_OK : EXIT_VIOLATION;
}

export function registerCatalogue(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('catalogue')
    .description(
      'the main job: every scenario under each bug flag (found) and its correct driver (verified), with reports',
    )
    .option('--report-dir <dir>', 'where the HTML reports go', 'mmulab-report')
    .option('--no-report-dir', 'write no reports')
    .option('--json', 'print one JSON object')
    .action((opts: CatalogueCliOptions) => setExit(runCatalogueJob(io, opts)));
}
