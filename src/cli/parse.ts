import { InvalidArgumentError } from 'commander';

/** commander argument parsers that reject bad values with one line. */
export function positiveInt(what: string): (v: string) => number {
  return (v) => {
    if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
      throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
    }
    return Number(v);
  };
}

export function nonNegativeInt(what: string): (v: string) => number {
  return (v) => {
    if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new InvalidArgumentError(`${what} must be a non-negative integer, got '${v}'`);
    }
    return Number(v);
  };
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** A duration: `90`, `90s`, `1.5m`, `2h`, `500ms`; returns milliseconds. */
export function duration(what: string): (v: string) => number {
  return (v) => {
    const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(v);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m?.[2] ?? 's'] ?? 1000;
    const ms = m ? Number(m[1]) * unit : Number.NaN;
    if (!(ms > 0 && Number.isFinite(ms))) {
      throw new InvalidArgumentError(
        `${what} must be a positive duration such as 30s, 5m or 500ms, got '${v}'`,
      );
    }
    return ms;
  };
}
