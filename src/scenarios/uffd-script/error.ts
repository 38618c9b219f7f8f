/**
 * A static-check failure of a `.uffd` script, with the oracle's text: `FILE:LINE: message`
 * (LANGUAGE.md §7; uffd_oracle.c `syntax_error`).
 */
export class UffdScriptSyntaxError extends Error {
  override readonly name = 'UffdScriptSyntaxError';
  readonly code = 'MMULAB_UFFD_SCRIPT_SYNTAX';

  readonly path: string;
  readonly line: number;
  /** The message without the `FILE:LINE: ` prefix. */
  readonly detail: string;

  constructor(path: string, line: number, detail: string) {
    super(`${path}:${line}: ${detail}`);
    this.path = path;
    this.line = line;
    this.detail = detail;
  }
}
