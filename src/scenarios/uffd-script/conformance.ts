/**
 * Conformance of actual results against expected ones (kernel-6.18.jsonl, or `.expected` files):
 * per scenario, equal lines match; otherwise the first differing field is named by its JSON path,
 * e.g. `steps[3].errno: expected "EINVAL", got "EBUSY"`. Lines are compared as the oracle prints
 * them, so a difference in key order alone is a difference too.
 */

/** Result lines by scenario name. */
export type ResultLines = ReadonlyMap<string, string>;

export type ScenarioConformance =
  | { readonly scenario: string; readonly verdict: 'match' }
  | { readonly scenario: string; readonly verdict: 'differ'; readonly firstDifference: string };

export interface ConformanceTable {
  /** Scenarios with an expected result. */
  readonly scripts: number;
  readonly matching: number;
  /** Differing scenarios, a missing actual result included. */
  readonly differing: number;
  /** One row per expected scenario, in the expected results' order. */
  readonly rows: readonly ScenarioConformance[];
  /** Actual results with no expectation (not counted above). */
  readonly unexpected: readonly string[];
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export class UffdExpectedResultsError extends Error {
  override readonly name = 'UffdExpectedResultsError';
  readonly code = 'MMULAB_UFFD_EXPECTED_RESULTS';
}

function scenarioOf(line: string, where: string): string {
  let v: Json;
  try {
    v = JSON.parse(line) as Json;
  } catch {
    throw new UffdExpectedResultsError(`${where}: not a JSON line`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new UffdExpectedResultsError(`${where}: not a JSON object`);
  }
  const name = (v as { readonly [key: string]: Json }).scenario;
  if (typeof name !== 'string') throw new UffdExpectedResultsError(`${where}: no "scenario" name`);
  return name;
}

/** Results from a .jsonl text: one JSON line per scenario; blank lines are skipped; a name may appear once. */
export function parseResultsJsonl(text: string, source: string): Map<string, string> {
  const results = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const name = scenarioOf(line, `${source}:${i + 1}`);
    if (results.has(name)) throw new UffdExpectedResultsError(`${source}:${i + 1}: scenario '${name}' again`);
    results.set(name, line);
  });
  return results;
}

/**
 * A `.expected` file beside `NAME.uffd`: `NAME.expected`, holding exactly the one line the oracle
 * printed for the script (a final newline is allowed). Its scenario must be `NAME`.
 */
export function parseExpectedFile(text: string, path: string): [scenario: string, line: string] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body.includes('\n')) throw new UffdExpectedResultsError(`${path}: more than one line`);
  const name = scenarioOf(body, path);
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base !== `${name}.expected`) {
    throw new UffdExpectedResultsError(
      `${path}: holds scenario '${name}', expected ${base.replace(/\.expected$/, '')}`,
    );
  }
  return [name, body];
}

const render = (v: Json | undefined): string => (v === undefined ? 'nothing' : JSON.stringify(v));

function isObject(v: Json): v is { readonly [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The first difference of two JSON values in document order, or undefined if they are equal. */
function firstDifference(expected: Json, actual: Json, path: string): string | undefined {
  const here = (what: string) => `${path === '' ? '(line)' : path}: ${what}`;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const e = expected[i] as Json | undefined;
      const a = actual[i] as Json | undefined;
      if (e === undefined || a === undefined) return `${path}[${i}]: expected ${render(e)}, got ${render(a)}`;
      const d = firstDifference(e, a, `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(expected) && isObject(actual)) {
    const eKeys = Object.keys(expected);
    const aKeys = Object.keys(actual);
    for (const k of eKeys) {
      const sub = path === '' ? k : `${path}.${k}`;
      if (!Object.hasOwn(actual, k)) return `${sub}: expected ${render(expected[k])}, got nothing`;
      const d = firstDifference(expected[k] as Json, actual[k] as Json, sub);
      if (d !== undefined) return d;
    }
    const extra = aKeys.find((k) => !Object.hasOwn(expected, k));
    if (extra !== undefined) {
      return `${path === '' ? extra : `${path}.${extra}`}: expected nothing, got ${render(actual[extra])}`;
    }
    if (eKeys.join() !== aKeys.join())
      return here(`key order: expected ${eKeys.join(',')}, got ${aKeys.join(',')}`);
    return undefined;
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? undefined
    : here(`expected ${render(expected)}, got ${render(actual)}`);
}

/** Why two result lines of one scenario differ; undefined when they are the same text. */
export function diffResultLines(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  let a: Json;
  try {
    a = JSON.parse(actual) as Json;
  } catch {
    return `(line): expected JSON, got ${JSON.stringify(actual.slice(0, 60))}`;
  }
  const d = firstDifference(JSON.parse(expected) as Json, a, '');
  if (d !== undefined) return d;
  let i = 0;
  while (expected[i] === actual[i]) i++;
  return `(line): same JSON, different text from column ${i + 1}`;
}

export function conformance(expected: ResultLines, actual: ResultLines): ConformanceTable {
  const rows: ScenarioConformance[] = [...expected].map(([scenario, line]) => {
    const got = actual.get(scenario);
    const d = got === undefined ? '(line): no result' : diffResultLines(line, got);
    return d === undefined
      ? { scenario, verdict: 'match' }
      : { scenario, verdict: 'differ', firstDifference: d };
  });
  const matching = rows.filter((r) => r.verdict === 'match').length;
  return {
    scripts: rows.length,
    matching,
    differing: rows.length - matching,
    rows,
    unexpected: [...actual.keys()].filter((s) => !expected.has(s)),
  };
}

/** The table as plain text: the counts, then one row per differing scenario, then unexpected results. */
export function renderConformanceTable(t: ConformanceTable): string {
  const out = [`scripts    ${t.scripts}`, `matching   ${t.matching}`, `differing  ${t.differing}`];
  const differing = t.rows.filter((r) => r.verdict === 'differ');
  if (differing.length > 0) {
    const width = Math.max('scenario'.length, ...differing.map((r) => r.scenario.length));
    out.push('', `${'scenario'.padEnd(width)}  first difference`);
    for (const r of differing) out.push(`${r.scenario.padEnd(width)}  ${r.firstDifference}`);
  }
  if (t.unexpected.length > 0) out.push('', `no expected result: ${t.unexpected.join(', ')}`);
  return `${out.join('\n')}\n`;
}
