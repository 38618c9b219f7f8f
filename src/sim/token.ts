import { MmulabError } from '../errors.js';

/**
 * The replay token: a run's choices (thread ids at scheduling points, `choose` values), run-
 * length encoded as unsigned LEB128 pairs (value, repeat count), in base64url, behind a
 * version prefix. Same token, same run, byte-identical trace, on any machine.
 */
const PREFIX = 'm1.';

export function encodeToken(choices: readonly number[]): string {
  const bytes: number[] = [];
  let i = 0;
  while (i < choices.length) {
    const v = choices[i]!;
    let n = 1;
    while (i + n < choices.length && choices[i + n] === v) n++;
    leb(bytes, v);
    leb(bytes, n);
    i += n;
  }
  return PREFIX + Buffer.from(bytes).toString('base64url');
}

/** A decoded token: `values[i]` repeated `counts[i]` times, in order. */
export interface TokenRuns {
  readonly values: readonly number[];
  readonly counts: readonly number[];
  /** The number of choices: the sum of the counts. */
  readonly length: number;
}

/** The most choices a token may stand for (a run of 2^31 scheduled steps is not a run). */
const MAX_CHOICES = 2 ** 31;

/** The choices of a token, expanded (for tests and small tokens; replay uses the runs). */
export function decodeToken(token: string): number[] {
  const runs = decodeTokenRuns(token);
  if (runs.length > 1_000_000) {
    throw new MmulabError(
      'MMULAB_BAD_TOKEN',
      `malformed replay token '${clip(token)}': it decodes to ${runs.length} choices`,
    );
  }
  const out: number[] = [];
  runs.values.forEach((v, i) => {
    for (let k = 0; k < runs.counts[i]!; k++) out.push(v);
  });
  return out;
}

/** Decodes a token into run-length pairs without expanding them. */
export function decodeTokenRuns(token: string): TokenRuns {
  const bad = (why: string): never => {
    throw new MmulabError('MMULAB_BAD_TOKEN', `malformed replay token '${clip(token)}': ${why}`);
  };
  if (typeof token !== 'string' || !token.startsWith(PREFIX)) bad(`it must start with '${PREFIX}'`);
  const body = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) bad('it has characters outside base64url');
  if (body.length % 4 === 1) bad('its length is not a base64url length');
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body) bad('it is not canonical base64url');
  const values: number[] = [];
  const counts: number[] = [];
  let length = 0;
  let p = 0;
  const next = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= bytes.length) bad('it ends inside a number');
      const b = bytes[p++]!;
      if (shift > 28) bad('a number is too large');
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
    }
  };
  while (p < bytes.length) {
    const v = next();
    const n = next();
    if (n === 0) bad('a repeat count is zero');
    length += n;
    if (length > MAX_CHOICES) bad('it decodes to too many choices');
    values.push(v);
    counts.push(n);
  }
  return { values, counts, length };
}

function leb(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
}

function clip(s: unknown): string {
  const t = String(s);
  return t.length > 40 ? `${t.slice(0, 40)}...` : t;
}
