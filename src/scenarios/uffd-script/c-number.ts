/**
 * The number conversions of uffd_oracle.c, exactly: its `parse_u64` (glibc `strtoull(s, &e, 0)`)
 * and `parse_i64` (`strtoll`), which fail on an empty string, on ERANGE and on trailing text.
 * As in glibc: leading C white space is skipped, one `+` or `-` is accepted (`-1` is a valid u64,
 * 2^64-1), base 0 reads `0x`/`0X` as hex only when a hex digit follows and a leading `0` as octal.
 */

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

interface Conversion {
  readonly negative: boolean;
  readonly magnitude: bigint;
  readonly rest: string;
}

function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

/** glibc's ____strtoul_l_internal with base 0, without the locale grouping. */
function convert(s: string): Conversion | undefined {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let base = 10;
  if (s[i] === '0') {
    const x = s[i + 1];
    const after = s[i + 2];
    if ((x === 'x' || x === 'X') && after !== undefined && digitValue(after) < 16) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const first = i;
  let magnitude = 0n;
  const b = BigInt(base);
  for (; i < s.length; i++) {
    const c = s[i] as string;
    const d = digitValue(c);
    if (d >= base) break;
    magnitude = magnitude * b + BigInt(d);
  }
  if (i === first) return undefined;
  return { negative, magnitude, rest: s.slice(i) };
}

/** uffd_oracle.c `parse_u64`: the value, or undefined where it returns -1. */
export function parseU64(s: string | undefined): bigint | undefined {
  if (s === undefined || s === '') return undefined;
  const c = convert(s);
  if (c === undefined || c.rest !== '' || c.magnitude > U64_MAX) return undefined;
  return c.negative ? (U64_MAX + 1n - c.magnitude) & U64_MAX : c.magnitude;
}

/** uffd_oracle.c `parse_i64`: the value, or undefined where it returns -1. */
export function parseI64(s: string | undefined): bigint | undefined {
  if (s === undefined || s === '') return undefined;
  const c = convert(s);
  if (c === undefined || c.rest !== '') return undefined;
  if (c.negative ? c.magnitude > I64_MAX + 1n : c.magnitude > I64_MAX) return undefined;
  return c.negative ? -c.magnitude : c.magnitude;
}

/** What `snprintf(buf, size, "%s", s)` keeps of `s`: the oracle copies some values into fixed buffers first. */
export function cBuffer(s: string, size: number): string {
  return s.length < size ? s : s.slice(0, size - 1);
}
