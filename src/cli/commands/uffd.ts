import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { MmulabError } from '../../errors.js';
import type { UffdScript } from '../../scenarios/uffd-script/ast.js';
import {
  conformance,
  parseExpectedFile,
  parseResultsJsonl,
  renderConformanceTable,
  UffdExpectedResultsError,
} from '../../scenarios/uffd-script/conformance.js';
import { UffdScriptSyntaxError } from '../../scenarios/uffd-script/error.js';
import { formatScriptResult } from '../../scenarios/uffd-script/format.js';
import { parseUffdScript } from '../../scenarios/uffd-script/parse.js';
import { runUffdScript } from '../../scenarios/uffd-script/run.js';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, type Io } from '../exit.js';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'unreadable';
    throw new MmulabError('MMULAB_BAD_FILE', `${path}: cannot read (${code})`);
  }
}

/** Parses every script before running any, as the oracle does (LANGUAGE.md §7). */
function parseAll(paths: readonly string[]): UffdScript[] {
  return paths.map((p) => parseUffdScript(readText(p), p));
}

/** The result line of one script, as uffd_oracle.c prints it (without the newline). */
export function uffdResultLine(script: UffdScript): string {
  return formatScriptResult(runUffdScript(script)).replace(/\n$/, '');
}

/** `mmulab uffd run <script.uffd>...`: one JSON line per script, in the oracle's format. */
export function runUffdRun(io: Io, paths: readonly string[]): number {
  let scripts: UffdScript[];
  try {
    scripts = parseAll(paths);
  } catch (e) {
    if (e instanceof UffdScriptSyntaxError) {
      io.err(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  for (const s of scripts) io.out(`${uffdResultLine(s)}\n`);
  return EXIT_OK;
}

function uffdFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.uffd'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * What `uffd check` compares: scripts in `dir` and `dir/scenarios`, expected lines from
 * `NAME.expected` beside a script and from every `*.jsonl` of `dir`. A `.jsonl` path means its
 * folder, with only that file's expectations.
 */
function checkInputs(target: string): { scripts: string[]; expected: Map<string, string> } {
  if (!existsSync(target)) throw new MmulabError('MMULAB_BAD_FILE', `${target}: no such file or folder`);
  const isDir = statSync(target).isDirectory();
  if (!isDir && !target.endsWith('.jsonl')) {
    throw new MmulabError('MMULAB_BAD_FILE', `${target}: expected a folder or a .jsonl of results`);
  }
  const dir = isDir ? target : dirname(target);
  const scriptDirs = [dir, join(dir, 'scenarios')].filter((d) => existsSync(d) && statSync(d).isDirectory());
  const scripts = scriptDirs.flatMap(uffdFiles);
  const expected = new Map<string, string>();
  const add = (name: string, line: string, where: string) => {
    if (expected.has(name)) throw new MmulabError('MMULAB_BAD_FILE', `${where}: scenario '${name}' again`);
    expected.set(name, line);
  };
  const jsonls = isDir
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
        .map((f) => join(dir, f))
    : [target];
  try {
    for (const j of jsonls) for (const [n, l] of parseResultsJsonl(readText(j), j)) add(n, l, j);
    if (isDir) {
      for (const s of scripts) {
        const e = s.replace(/\.uffd$/, '.expected');
        if (existsSync(e)) {
          const [n, l] = parseExpectedFile(readText(e), e);
          add(n, l, e);
        }
      }
    }
  } catch (e) {
    if (e instanceof UffdExpectedResultsError) throw new MmulabError('MMULAB_BAD_FILE', e.message);
    throw e;
  }
  const named = scripts.filter((s) => expected.has(basename(s).replace(/\.uffd$/, '')));
  return { scripts: named, expected };
}

/** `mmulab uffd check <dir|results.jsonl>`: the conformance table; exit 1 when a script differs. */
export function runUffdCheck(io: Io, target: string, opts: { json?: boolean }): number {
  const { scripts, expected } = checkInputs(target);
  if (expected.size === 0)
    throw new MmulabError('MMULAB_BAD_FILE', `${target}: no expected results (.expected or .jsonl)`);
  let parsed: UffdScript[];
  try {
    parsed = parseAll(scripts);
  } catch (e) {
    if (e instanceof UffdScriptSyntaxError) {
      io.err(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  const actual = new Map(parsed.map((s) => [s.name, uffdResultLine(s)] as const));
  const t = conformance(expected, actual);
  if (opts.json) io.out(`${JSON.stringify(t)}\n`);
  else io.out(renderConformanceTable(t));
  return t.differing === 0 ? EXIT_OK : EXIT_VIOLATION;
}

export function registerUffd(program: Command, io: Io, setExit: (code: number) => void): void {
  const uffd = program
    .command('uffd')
    .description('run .uffd userfaultfd scripts on the model, and check them against live-kernel results');
  uffd
    .command('run')
    .description("run scripts and print one JSON line per script, byte for byte in uffd_oracle's format")
    .argument('<script...>', '.uffd files (all are checked before any runs; a syntax error exits 2)')
    .option('--json', "the oracle's JSON lines (the default output)")
    .action((paths: string[]) => setExit(runUffdRun(io, paths)));
  uffd
    .command('check')
    .description(
      'run every script with an expected result and print the conformance table (exit 1 if any differs)',
    )
    .argument(
      '<target>',
      'a folder (scripts in it or in scenarios/, NAME.expected or *.jsonl results) or a .jsonl',
    )
    .option('--json', 'print the table as JSON')
    .action((target: string, opts: { json?: boolean }) => setExit(runUffdCheck(io, target, opts)));
}
