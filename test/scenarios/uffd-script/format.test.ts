import { describe, expect, it } from 'vitest';
import { locateAddress } from '../../../src/scenarios/uffd-script/address.js';
import { decodeScriptResult, UffdResultDecodeError } from '../../../src/scenarios/uffd-script/decode.js';
import {
  formatAddress,
  formatFlags,
  formatLength,
  formatScriptResult,
  formatStepResult,
  jsonString,
  POLL_EVENT_NAMES,
} from '../../../src/scenarios/uffd-script/format.js';
import { kernelLines } from './fixtures.js';

describe('round trip of kernel-6.18.jsonl', () => {
  it.each(kernelLines().map((l) => [(JSON.parse(l) as { scenario: string }).scenario, l]))(
    '%s: decode then format gives the line back byte for byte',
    (_name, line) => {
      expect(formatScriptResult(decodeScriptResult(line))).toBe(line);
    },
  );
});

describe('formatting pieces', () => {
  it('renders addresses, lengths and flags as the oracle does', () => {
    expect(formatAddress({ mapping: 'M', page: -2, offset: 0 })).toBe('M:-2');
    expect(formatAddress({ mapping: 'M', page: 1, offset: 100 })).toBe('M:1+100');
    expect(formatAddress({ absolute: 0xffffffffff600000n })).toBe('@0xffffffffff600000');
    expect(formatLength(8192)).toBe('2');
    expect(formatLength(4112)).toBe('"bytes:4112"');
    expect(formatFlags(0x41n, POLL_EVENT_NAMES)).toBe('IN|RDNORM');
    expect(formatFlags(0x1000n | 0x8n, POLL_EVENT_NAMES)).toBe('ERR|0x1000');
    expect(formatFlags(0n, POLL_EVENT_NAMES)).toBe('0');
  });

  it('escapes strings like jb_str: quotes, backslashes and control characters only', () => {
    expect(jsonString('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\u000a\\u0001é"');
  });

  it('prints errno only when ret is -1, and unset/-ERRNO/bytes out-fields', () => {
    expect(
      formatStepResult({ line: 7, op: 'copy', ret: -1, errno: 'EEXIST', out: { errno: 'EEXIST' } }),
    ).toBe('{"line":7,"op":"copy","ret":-1,"errno":"EEXIST","copy":"-EEXIST"}');
    expect(formatStepResult({ line: 8, op: 'poison', ret: 0, out: { bytes: 4096 } })).toBe(
      '{"line":8,"op":"poison","ret":0,"updated":1}',
    );
    expect(formatStepResult({ line: 9, op: 'continue', ret: -1, errno: 'EINVAL', out: 'unset' })).toBe(
      '{"line":9,"op":"continue","ret":-1,"errno":"EINVAL","mapped":"unset"}',
    );
  });

  it('renders thread outcomes: async, blocked, finished, joined', () => {
    expect(formatStepResult({ line: 3, op: 'touch', outcome: { async: 'T' } })).toBe(
      '{"line":3,"op":"touch","async":"T"}',
    );
    expect(formatStepResult({ line: 4, op: 'read_msg', outcome: 'blocked' })).toBe(
      '{"line":4,"op":"read_msg","result":"blocked"}',
    );
    expect(
      formatStepResult({
        line: 5,
        op: 'join',
        thread: 'F',
        of: 'fork',
        outcome: { result: 'done', ret: 0, child: { exit: 0, access: { result: 'done', value: 0x82 } } },
      }),
    ).toBe(
      '{"line":5,"op":"join","thread":"F","of":"fork","result":"done","ret":0,"child_exit":0,"child":{"result":"done","value":"0x82"}}',
    );
  });
});

describe('decodeScriptResult', () => {
  it('refuses lines it cannot render back', () => {
    expect(() =>
      decodeScriptResult('{"scenario":"s","steps":[{"line":1,"op":"copy","ret":-1,"copy":1}],"status":"ok"}'),
    ).toThrow(new UffdResultDecodeError('steps[0].errno: expected a string, got nothing'));
    expect(() =>
      decodeScriptResult(
        '{"scenario":"s","steps":[{"line":1,"op":"uffd","error":"open /dev/userfaultfd","ret":-1,"errno":"ENOENT"}],"status":"ok"}',
      ),
    ).toThrow(UffdResultDecodeError);
  });
});

describe('locateAddress', () => {
  const slots = [
    { name: 'M', base: 0x7f0000020000n },
    { name: 'N', base: 0x7f00000a0000n },
  ];
  it('renders relative to the slot holding the address, pages rounded down', () => {
    expect(locateAddress(slots, 0x7f0000020000n + 4096n + 100n)).toEqual({
      mapping: 'M',
      page: 1,
      offset: 100,
    });
    expect(locateAddress(slots, 0x7f0000020000n - 1n)).toEqual({ mapping: 'M', page: -1, offset: 4095 });
    expect(locateAddress(slots, 0x7f0000020000n - 32n * 4096n)).toEqual({
      mapping: 'M',
      page: -32,
      offset: 0,
    });
    expect(locateAddress(slots, 0x7f0000020000n + 96n * 4096n)).toEqual({
      mapping: 'N',
      page: -32,
      offset: 0,
    });
    expect(locateAddress(slots, 0n)).toEqual({ absolute: 0n });
  });
});
