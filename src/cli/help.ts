import type { Command } from 'commander';

/** One example of a help page: the command line and what it does. */
export type Example = readonly [command: string, what: string];

/** Appends an `Examples:` section to a command's --help, as the user would type them. */
export function withExamples<C extends Command>(cmd: C, examples: readonly Example[]): C {
  const lines = examples.map(([c, what]) => `  $ ${c}\n      ${what}`);
  cmd.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
  return cmd;
}
