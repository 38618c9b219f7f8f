import { describe, expect, it } from 'vitest';
import {
  conformance,
  diffResultLines,
  parseExpectedFile,
  parseResultsJsonl,
  renderConformanceTable,
  UffdExpectedResultsError,
} from '../../../src/scenarios/uffd-script/conformance.js';
import { kernelLines } from './fixtures.js';

const line = (scenario: string, steps: string, status = 'ok') =>
  `{"scenario":"${scenario}","steps":[${steps}],"status":"${status}"}`;

describe('diffResultLines', () => {
  const base = line(
    's',
    '{"line":2,"op":"uffd","ret":0},{"line":3,"op":"register","ret":-1,"errno":"EINVAL","ioctls":"unset"}',
  );
  it.each([
    ['equal lines', base, undefined],
    [
      'a different value',
      line(
        's',
        '{"line":2,"op":"uffd","ret":0},{"line":3,"op":"register","ret":-1,"errno":"EBUSY","ioctls":"unset"}',
      ),
      'steps[1].errno: expected "EINVAL", got "EBUSY"',
    ],
    [
      'a missing field',
      line('s', '{"line":2,"op":"uffd","ret":0},{"line":3,"op":"register","ret":-1,"ioctls":"unset"}'),
      'steps[1].errno: expected "EINVAL", got nothing',
    ],
    [
      'an extra field',
      line(
        's',
        '{"line":2,"op":"uffd","ret":0,"errno":"EPERM"},{"line":3,"op":"register","ret":-1,"errno":"EINVAL","ioctls":"unset"}',
      ),
      'steps[0].errno: expected nothing, got "EPERM"',
    ],
    [
      'a missing step',
      line('s', '{"line":2,"op":"uffd","ret":0}'),
      'steps[1]: expected {"line":3,"op":"register","ret":-1,"errno":"EINVAL","ioctls":"unset"}, got nothing',
    ],
    [
      'key order',
      line(
        's',
        '{"line":2,"op":"uffd","ret":0},{"line":3,"op":"register","ret":-1,"ioctls":"unset","errno":"EINVAL"}',
      ),
      'steps[1]: key order: expected line,op,ret,errno,ioctls, got line,op,ret,ioctls,errno',
    ],
    [
      'the status',
      line(
        's',
        '{"line":2,"op":"uffd","ret":0},{"line":3,"op":"register","ret":-1,"errno":"EINVAL","ioctls":"unset"}',
        'timeout',
      ),
      'status: expected "ok", got "timeout"',
    ],
    ['not JSON', '{"scenario":', '(line): expected JSON, got "{\\"scenario\\":"'],
    [
      'only spacing',
      base.replace('"steps":', '"steps": '),
      '(line): same JSON, different text from column 25',
    ],
  ])('%s', (_name, actual, message) => {
    expect(diffResultLines(base, actual)).toBe(message);
  });
});

describe('conformance table', () => {
  const expected = parseResultsJsonl(kernelLines().join('\n'), 'kernel-6.18.jsonl');

  it('matches the kernel results against themselves', () => {
    const t = conformance(expected, expected);
    expect([t.scripts, t.matching, t.differing, t.unexpected]).toEqual([130, 130, 0, []]);
    expect(renderConformanceTable(t)).toBe('scripts    130\nmatching   130\ndiffering  0\n');
  });

  it('names the first difference of each differing script, a missing result included', () => {
    const actual = new Map(expected);
    const copyBasic = expected.get('copy_basic') as string;
    actual.set('copy_basic', copyBasic.replace('"copy":1', '"copy":"unset"'));
    actual.delete('api_basic');
    actual.set('extra', line('extra', ''));
    const t = conformance(expected, actual);
    expect([t.scripts, t.matching, t.differing, t.unexpected]).toEqual([130, 128, 2, ['extra']]);
    expect(renderConformanceTable(t)).toBe(
      [
        'scripts    130',
        'matching   128',
        'differing  2',
        '',
        'scenario    first difference',
        'api_basic   (line): no result',
        'copy_basic  steps[4].copy: expected 1, got "unset"',
        '',
        'no expected result: extra',
        '',
      ].join('\n'),
    );
  });
});

describe('expected results files', () => {
  it('reads a .expected file: one line, named after its scenario', () => {
    const l = line('copy_basic', '');
    expect(parseExpectedFile(`${l}\n`, 'scenarios/copy_basic.expected')).toEqual(['copy_basic', l]);
    expect(() => parseExpectedFile(l, 'scenarios/other.expected')).toThrow(
      new UffdExpectedResultsError("scenarios/other.expected: holds scenario 'copy_basic', expected other"),
    );
    expect(() => parseExpectedFile(`${l}\n${l}\n`, 'copy_basic.expected')).toThrow(UffdExpectedResultsError);
  });

  it('refuses a .jsonl naming a scenario twice', () => {
    const l = line('a', '');
    expect(() => parseResultsJsonl(`${l}\n\n${l}\n`, 'r.jsonl')).toThrow(
      new UffdExpectedResultsError("r.jsonl:3: scenario 'a' again"),
    );
  });
});
