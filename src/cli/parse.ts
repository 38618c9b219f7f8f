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
