import { Command, CommanderError } from 'commander';
import { MmulabError } from '../errors.js';
import { registerCatalogue, runCatalogueJob } from './commands/catalogue.js';
import { registerCompare } from './commands/compare.js';
import { registerDemo } from './commands/demo.js';
import { registerExplore } from './commands/explore.js';
import { registerFuzz } from './commands/fuzz.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerReplay } from './commands/replay.js';
import { registerUffd } from './commands/uffd.js';
import { EXIT_BAD_INPUT, type Io, processIo } from './exit.js';
import { withExamples } from './help.js';

/**
 * The `mmulab` command: a thin layer over the library. Returns the exit code; never throws
 * and never prints a stack trace for bad input (one line, exit 2).
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command('mmulab')
    .description(
      'an executable model of Linux MMU notifiers and secondary MMUs, with an interleaving explorer',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(oneLine(s)),
    })
    .showSuggestionAfterError(true);
  withExamples(program, [
    [
      'mmulab',
      'the main job: every catalogue scenario, each bug found and each fix verified, reports in mmulab-report/',
    ],
    ['mmulab list', 'the scenarios, their threads, bug flags and kernel references'],
    [
      'mmulab explore kvm-munmap --bug no-retry-check',
      'search for the textbook race; prints the replay command',
    ],
    ['mmulab explore kvm-munmap --strategy dpor', 'verify the correct KVM protocol over every schedule'],
    ['mmulab replay kvm-munmap --bug no-retry-check --token m1.AAQBAgAE', 'the interleaving, step by step'],
    ['mmulab fuzz kvm --bug no-retry-check', 'generated workloads against KVM; the first violation shrunk'],
    ['mmulab demo', "the runtime's demo programs and their verdicts"],
  ]);
  registerCatalogue(program, io, setExit);
  registerDemo(program, io, setExit);
  registerList(program, io, setExit);
  registerExplore(program, io, setExit);
  registerReplay(program, io, setExit);
  registerMerge(program, io, setExit);
  registerUffd(program, io, setExit);
  registerCompare(program, io, setExit);
  registerFuzz(program, io, setExit);
  program.action(() => setExit(runCatalogueJob(io, { reportDir: 'mmulab-report' })));
  try {
    await program.parseAsync(argv as string[]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (e instanceof MmulabError) {
      io.err(`mmulab: ${oneLine(e.message)}`);
      return EXIT_BAD_INPUT;
    }
    io.err(`mmulab: [mmulab internal bug] ${oneLine(e instanceof Error ? e.message : String(e))}`);
    return EXIT_BAD_INPUT;
  }
}

function oneLine(s: string): string {
  return `${s.replace(/\s*\n\s*/g, ' ').trim()}\n`;
}
