/**
 * Argument forms of the `.uffd` language (LANGUAGE.md §1-§2) with uffd_oracle.c's exact rules:
 * `parse_addr_syntax`, `parse_len`, `parse_flags`, `valid_ident`, `prot_bits`. Each returns
 * undefined where the oracle's check fails.
 */
import type { ScriptAddress, ScriptLength } from './ast.js';
import { cBuffer, parseI64, parseU64 } from './c-number.js';
import { type FlagTable, PROT_EXEC, PROT_READ, PROT_WRITE } from './syntax.js';

/** `NAME:P`, `NAME:P+B` or `@N`. The page text is cut to 63 characters first, as the oracle's buffer does. */
export function parseAddress(s: string): ScriptAddress | undefined {
  if (s.startsWith('@')) {
    const address = parseU64(s.slice(1));
    return address === undefined ? undefined : { kind: 'absolute', address };
  }
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  let pageText = cBuffer(s.slice(colon + 1), 64);
  let offset = 0n;
  const plus = pageText.indexOf('+', pageText.startsWith('-') ? 1 : 0);
  if (plus !== -1) {
    const b = parseU64(pageText.slice(plus + 1));
    if (b === undefined) return undefined;
    offset = b;
    pageText = pageText.slice(0, plus);
  }
  const page = parseI64(pageText);
  return page === undefined ? undefined : { kind: 'slot', mapping: s.slice(0, colon), page, offset };
}

/** `N` or `N+B` (u64 each); the text is cut to 63 characters first. */
export function parseLength(s: string | undefined): ScriptLength | undefined {
  if (s === undefined) return undefined;
  let text = cBuffer(s, 64);
  let bytes = 0n;
  const plus = text.indexOf('+');
  if (plus !== -1) {
    const b = parseU64(text.slice(plus + 1));
    if (b === undefined) return undefined;
    bytes = b;
    text = text.slice(0, plus);
  }
  const pages = parseU64(text);
  return pages === undefined ? undefined : { pages, bytes };
}

/**
 * A number, or names of `table` and numbers joined by `|`. Empty parts are skipped (so `|` alone
 * is 0); the text is cut to 255 characters before it is split.
 */
export function parseFlags(s: string | undefined, table: FlagTable): bigint | undefined {
  if (s === undefined) return undefined;
  const whole = parseU64(s);
  if (whole !== undefined) return whole;
  let value = 0n;
  for (const part of cBuffer(s, 256).split('|')) {
    if (part === '') continue;
    const n = parseU64(part) ?? table.find(([name]) => name === part)?.[1];
    if (n === undefined) return undefined;
    value |= n;
  }
  return value;
}

/** A uffd, mapping, thread or bind name: `[A-Za-z_][A-Za-z0-9_]*`, at most 31 characters. */
export function isValidName(s: string | undefined): s is string {
  return s !== undefined && /^[A-Za-z_][A-Za-z0-9_]{0,30}$/.test(s);
}

/** The static check of `prot=`: letters of `rwxnoe` only (so `none`, but also `eon`). */
export function isProtSyntax(s: string): boolean {
  return /^[rwxnoe]*$/.test(s);
}

/** uffd_oracle.c `prot_bits`: absent or `rw` is read-write, `none` is none, else the r/w/x letters. */
export function protBits(s: string | undefined): number {
  if (s === undefined || s === 'rw') return PROT_READ | PROT_WRITE;
  if (s === 'none') return 0;
  return (
    (s.includes('r') ? PROT_READ : 0) | (s.includes('w') ? PROT_WRITE : 0) | (s.includes('x') ? PROT_EXEC : 0)
  );
}
