import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseU64 } from '../../../src/scenarios/uffd-script/c-number.js';
import { parseUffdScript, UffdScriptSyntaxError } from '../../../src/scenarios/uffd-script/parse.js';
import { fixtureScripts, kernelLines } from './fixtures.js';

const slot = (mapping: string, page: bigint, offset = 0n) =>
  ({ kind: 'slot', mapping, page, offset }) as const;
const pages = (n: bigint, bytes = 0n) => ({ pages: n, bytes });
const sync = { async: null, timeoutMs: 1000n };

function syntaxError(text: string, path = 'x.uffd'): string {
  try {
    parseUffdScript(text, path);
  } catch (e) {
    if (e instanceof UffdScriptSyntaxError) return e.message;
    throw e;
  }
  return 'no error';
}

describe('parseUffdScript on the fixtures', () => {
  const scripts = fixtureScripts();
  const expected = kernelLines().map(
    (l) => JSON.parse(l) as { scenario: string; steps: { line: number; op: string }[] },
  );

  it('has the 130 scripts of kernel-6.18.jsonl, in its order', () => {
    expect(scripts).toHaveLength(130);
    expect(scripts.map(([p]) => parseUffdScript('', p).name)).toEqual(expected.map((e) => e.scenario));
  });

  it('parses every script into one step per non-empty line, with the line numbers and ops the oracle printed', () => {
    scripts.forEach(([path, text], i) => {
      const script = parseUffdScript(text, path);
      expect(script.steps.map((s) => [s.line, s.op])).toEqual(expected[i]?.steps.map((s) => [s.line, s.op]));
    });
  });
});

describe('exact ASTs', () => {
  it('fork_event_child_fault: flags from words, symbolic features, a fork child, bind', () => {
    const text = [
      '# EVENT_FORK',
      'uffd u nonblock',
      'api u features=EVENT_FORK|THREAD_ID',
      'mmap M pages=2',
      'copy u M:0 pages=1 fill=0x82',
      'fork child=read:M:1 async=F',
      'read_msg u bind=cu',
      'join F',
    ].join('\n');
    expect(parseUffdScript(text, 'dir/fork_event_child_fault.uffd')).toEqual({
      path: 'dir/fork_event_child_fault.uffd',
      name: 'fork_event_child_fault',
      steps: [
        { op: 'uffd', line: 2, uffd: 'u', flags: 0o4000n, device: null },
        { op: 'api', line: 3, uffd: 'u', api: 0xaan, features: 0x102n },
        {
          op: 'mmap',
          line: 4,
          mapping: 'M',
          pages: 2n,
          backing: { kind: 'anon' },
          shared: false,
          prot: 3,
          roFd: false,
        },
        {
          op: 'copy',
          line: 5,
          uffd: 'u',
          start: slot('M', 0n),
          len: pages(1n),
          mode: 0n,
          src: { kind: 'buffer', fill: 0x82n },
        },
        {
          op: 'fork',
          line: 6,
          child: { access: 'read', address: slot('M', 1n) },
          childTimeoutMs: 2000n,
          run: { async: 'F', timeoutMs: 1000n },
        },
        { op: 'read_msg', line: 7, uffd: 'u', waitMs: 1000n, max: 1n, bytes: null, bind: 'cu', run: sync },
        { op: 'join', line: 8, thread: 'F', timeoutMs: 1000n },
      ],
    });
  });

  it('addresses, unaligned lengths, negative pages, @ addresses, mixed flag expressions', () => {
    const text = [
      'uffd u dev flags=0x2',
      'mmap M pages=4',
      'register u M:-2 pages=8+16 mode=MISSING|0x2',
      'move u M:0+8 pages=1 from=M:3 mode=ALLOW_SRC_HOLES',
      'touch @0x0 write value=0x5 async=T',
      'mremap M:0 pages=1 newpages=2+1 to=M:-32',
      'wait u total=2',
      'madvise M:1 pages=1 advice=DONTNEED|FREE',
    ].join('\n');
    expect(parseUffdScript(text, 'a.uffd').steps).toEqual([
      { op: 'uffd', line: 1, uffd: 'u', flags: 2n, device: { nr: 0n } },
      {
        op: 'mmap',
        line: 2,
        mapping: 'M',
        pages: 4n,
        backing: { kind: 'anon' },
        shared: false,
        prot: 3,
        roFd: false,
      },
      { op: 'register', line: 3, uffd: 'u', start: slot('M', -2n), len: pages(8n, 16n), mode: 3n },
      {
        op: 'move',
        line: 4,
        uffd: 'u',
        start: slot('M', 0n, 8n),
        len: pages(1n),
        src: slot('M', 3n),
        mode: 2n,
      },
      {
        op: 'touch',
        line: 5,
        address: { kind: 'absolute', address: 0n },
        access: 'write',
        value: 5n,
        run: { async: 'T', timeoutMs: 1000n },
      },
      {
        op: 'mremap',
        line: 6,
        start: slot('M', 0n),
        len: pages(1n),
        newLen: pages(2n, 1n),
        to: slot('M', -32n),
        run: sync,
      },
      { op: 'wait', line: 7, uffd: 'u', pending: null, total: 2n, waitMs: 1000n },
      { op: 'madvise', line: 8, start: slot('M', 1n), len: pages(1n), advice: 12n, run: sync },
    ]);
  });

  it('shmem, alias and ro_fd mappings; an alias alone stays MAP_PRIVATE as in the oracle', () => {
    const steps = parseUffdScript(
      'mmap A pages=2 shmem\nmmap B pages=2 alias=A\nmmap R pages=2 shmem shared alias=A ro_fd prot=r\nmmap P pages=1 shmem private prot=none',
      'm.uffd',
    ).steps;
    expect(steps.map((s) => (s.op === 'mmap' ? [s.backing, s.shared, s.roFd, s.prot] : null))).toEqual([
      [{ kind: 'memfd' }, true, false, 3],
      [{ kind: 'alias', of: 'A' }, false, false, 3],
      [{ kind: 'alias', of: 'A' }, true, true, 1],
      [{ kind: 'memfd' }, false, false, 0],
    ]);
  });

  it('reads odd input as the oracle runs it', () => {
    const steps = parseUffdScript(
      'uffd nonblock\t# a handle named like a word is non-blocking\napi nonblock features=EVENT_FORK features=nonsense\r\npoll nonblock wait_ms=010\nmmap M pages=1\ntouch M:0 read write\nregister nonblock M:0 pages=-1 mode=|\0ignored',
      'odd.uffd',
    ).steps;
    expect(steps).toEqual([
      { op: 'uffd', line: 1, uffd: 'nonblock', flags: 0o4000n, device: null },
      { op: 'api', line: 2, uffd: 'nonblock', api: 0xaan, features: 2n },
      { op: 'poll', line: 3, uffd: 'nonblock', waitMs: 8n },
      expect.objectContaining({ op: 'mmap' }),
      expect.objectContaining({ op: 'touch', access: 'write' }),
      {
        op: 'register',
        line: 6,
        uffd: 'nonblock',
        start: slot('M', 0n),
        len: pages(2n ** 64n - 1n),
        mode: 0n,
      },
    ]);
  });
});

describe('strtoull base 0, as the oracle parses numbers', () => {
  it.each([
    ['0x10', 16n],
    ['010', 8n],
    ['-1', 2n ** 64n - 1n],
    ['+7', 7n],
    ['\v3', 3n],
    ['18446744073709551615', 2n ** 64n - 1n],
    ['18446744073709551616', undefined],
    ['08', undefined],
    ['0x', undefined],
    ['', undefined],
    ['1 ', undefined],
  ])('%j is %s', (text, value) => {
    expect(parseU64(text)).toBe(value);
  });
});

describe('static check errors: FILE:LINE: message, as uffd_oracle.c prints them', () => {
  // Each message was produced by uffd_oracle.c's load_script on the same text.
  const cases: [string, string, number, string][] = [
    ['too_many_tokens', `uffd u\n\nsleep ${'ms=1 '.repeat(24)}\nbogus\n`, 3, 'too many tokens'],
    ['unknown_op', '# c\nuffd u\nfrobnicate u\n', 3, "unknown op 'frobnicate'"],
    ['no_key', 'uffd u size=4\n', 1, "op 'uffd' takes no key 'size'"],
    ['empty_value', 'uffd u\napi u features=\n', 2, "empty value for 'features'"],
    ['unexpected_word', 'uffd u\napi u extra\n', 2, "op 'api': unexpected word 'extra'"],
    [
      'needs_args',
      'uffd u\nmmap M pages=1\nregister u pages=1 mode=MISSING\n',
      3,
      "op 'register' needs 2 argument(s)",
    ],
    ['bad_uffd_name', 'uffd 9u\n', 1, "bad uffd name '9u'"],
    ['long_name', `uffd ${'a'.repeat(32)}\n`, 1, "bad uffd name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"],
    ['bad_flags', 'uffd u flags=0x1g\n', 1, 'bad flags'],
    ['bad_devnr', 'uffd u devnr=-\n', 1, 'bad devnr'],
    ['unknown_uffd', 'uffd u\napi v\n', 2, "unknown uffd 'v'"],
    ['bad_mapping_name', 'mmap M-1 pages=1\n', 1, "bad mapping name 'M-1'"],
    ['mapping_twice', 'mmap M pages=1\nreserve M\n', 2, "mapping 'M' already defined"],
    ['maps41', Array.from({ length: 41 }, (_, i) => `reserve R${i}\n`).join(''), 41, 'more than 40 mappings'],
    ['mmap_pages', 'mmap M pages=81\n', 1, 'mmap needs pages=1..80'],
    ['mmap_no_pages', 'mmap M\n', 1, 'mmap needs pages=1..80'],
    ['unknown_alias', 'mmap M pages=1 alias=M\n', 1, "unknown alias 'M'"],
    ['bad_address', 'mmap M pages=1\ntouch M:x read\n', 2, "bad address 'M:x'"],
    ['bad_address_colon', 'mmap M pages=1\ntouch :1 read\n', 2, "bad address ':1'"],
    ['unknown_mapping', 'mmap M pages=1\ntouch N:0 read\n', 2, "unknown mapping in 'N:0'"],
    ['needs_pages', 'uffd u\nmmap M pages=1\nwake u M:0 pages=1+\n', 3, "op 'wake' needs pages=N[+B]"],
    ['bad_newpages', 'mmap M pages=1\nmremap M:0 pages=1 newpages=two\n', 2, 'bad newpages'],
    ['bad_pages', 'mmap M pages=1\npagemap M:0 pages=1+8\n', 2, 'bad pages'],
    ['bad_to', 'mmap M pages=1\nmremap M:0 pages=1 to=Q:0\n', 2, "bad address 'Q:0'"],
    ['move_from', 'uffd u\nmmap M pages=1\nmove u M:0 pages=1\n', 3, 'move needs from=ADDR'],
    ['bad_mode', 'uffd u\nmmap M pages=1\ncopy u M:0 pages=1 mode=MISSING\n', 3, "bad mode 'MISSING'"],
    ['register_mode', 'uffd u\nmmap M pages=1\nregister u M:0 pages=1\n', 3, 'register needs mode='],
    ['wp_mode', 'uffd u\nmmap M pages=1\nwriteprotect u M:0 pages=1\n', 3, 'writeprotect needs mode='],
    ['bad_features', 'uffd u\napi u features=EVENT_FORK|FORK\n', 2, "bad features 'EVENT_FORK|FORK'"],
    ['bad_api', 'uffd u\napi u api=0xaa+1\n', 2, 'bad api'],
    ['bad_advice', 'mmap M pages=1\nmadvise M:0 pages=1 advice=dontneed\n', 2, "bad advice 'dontneed'"],
    ['madvise_advice', 'mmap M pages=1\nmadvise M:0 pages=1\n', 2, 'madvise needs advice='],
    ['bad_prot', 'mmap M pages=1 prot=rwz\n', 1, "bad prot 'rwz'"],
    ['mprotect_prot', 'mmap M pages=1\nmprotect M:0 pages=1\n', 2, 'mprotect needs prot='],
    ['bad_number', 'mmap M pages=1\ntouch M:0 write value=0x1ff0g\n', 2, "bad number for 'value'"],
    ['touch_access', 'mmap M pages=1\ntouch M:0\n', 2, 'touch needs read or write'],
    ['fork_child', 'fork child=exec:M:0\n', 1, 'child=none|read:ADDR|write:ADDR'],
    ['fork_child_addr', 'mmap M pages=1\nfork child=read:M\n', 2, "bad child address 'M'"],
    ['bad_bind', 'uffd u\nread_msg u bind=1x\n', 2, 'bad bind name'],
    ['bad_thread', 'mmap M pages=1\ntouch M:0 read async=-\n', 2, 'bad thread name'],
    ['unknown_thread', 'join T\n', 1, "unknown thread 'T'"],
    ['sleep_ms', 'sleep\n', 1, 'sleep needs ms='],
    ['wait_needs', 'uffd u\nwait u wait_ms=5\n', 2, 'wait needs pending= or total='],
    ['threads49', 'mmap M pages=1\n' + 'touch M:0 read\n'.repeat(49), 50, 'more than 48 thread-run ops'],
  ];
  it.each(cases)('%s', (_name, text, line, message) => {
    expect(syntaxError(text, 'dir/s.uffd')).toBe(`dir/s.uffd:${line}: ${message}`);
  });

  it('reports the first problem in file order, and too many tokens before any check', () => {
    expect(syntaxError('bogus\nuffd 1\n')).toBe("x.uffd:1: unknown op 'bogus'");
    expect(syntaxError(`bogus\nsleep ${'ms=1 '.repeat(24)}\n`)).toBe('x.uffd:2: too many tokens');
  });

  it('is one line and carries path, line and detail', () => {
    let error: unknown;
    try {
      parseUffdScript('\n\nuffd u\napi w\n', 'p/q.uffd');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UffdScriptSyntaxError);
    expect(error).toMatchObject({
      path: 'p/q.uffd',
      line: 4,
      detail: "unknown uffd 'w'",
      message: "p/q.uffd:4: unknown uffd 'w'",
    });
  });
});

describe('robustness', () => {
  const words = [
    'uffd',
    'api',
    'mmap',
    'touch',
    'register',
    'copy',
    'join',
    'read_msg',
    'fork',
    'u',
    'M',
    'T',
    'M:0',
    'M:-1+8',
    '@0x0',
    'pages=1',
    'pages=1+8',
    'mode=MISSING|WP',
    'async=T',
    'read',
    'write',
    'child=read:M:0',
    'features=EVENT_FORK|0x20000',
    '#',
    '=',
    '|',
    ':',
    '+',
    '\t',
    '\r',
    '\n',
    '\0',
  ];
  it('throws nothing but UffdScriptSyntaxError on random input', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 60 })
        .map((ws) => ws.join(' ')),
      fc.array(fc.constantFrom(...words, ' ', '\n'), { maxLength: 80 }).map((ws) => ws.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseUffdScript(t, 'r.uffd');
        } catch (e) {
          if (!(e instanceof UffdScriptSyntaxError)) throw e;
          expect(e.message).toMatch(/^r\.uffd:[0-9]+: [^\n]+$/);
        }
      }),
      { numRuns: 4000 },
    );
  });
});
