/**
 * Reads an oracle output line back into a ScriptResult, checking every field; the inverse of
 * format.ts for every line the oracle can print about a run (its `error` fields for failures of
 * the recording machine itself, such as a failed pthread_create, are refused).
 */
import { type Errno, errnoNumber } from '../../primary/userfaultfd/errno.js';
import { PAGEFAULT_FLAG_NAMES, POLL_EVENT_NAMES } from './format.js';
import type {
  AccessResult,
  ForkChild,
  OutField,
  PagemapEntry,
  ResultAddress,
  ScriptResult,
  ScriptStatus,
  StepResult,
  SyscallResult,
  ThreadResults,
  UffdMsgResult,
  WrittenMask,
} from './result.js';
import { type FlagTable, isThreadRunOp, type ThreadRunOp, UFFD_SCRIPT_PAGE_SIZE } from './syntax.js';

export class UffdResultDecodeError extends Error {
  override readonly name = 'UffdResultDecodeError';
  readonly code = 'MMULAB_UFFD_RESULT_DECODE';
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object being read, with the path of it for error messages. */
class Obj {
  readonly value: { readonly [key: string]: Json };
  readonly path: string;

  constructor(value: { readonly [key: string]: Json }, path: string) {
    this.value = value;
    this.path = path;
  }

  static of(v: Json | undefined, path: string): Obj {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v))
      fail(path, 'an object', v);
    return new Obj(v as { readonly [key: string]: Json }, path);
  }
  has(key: string): boolean {
    return Object.hasOwn(this.value, key);
  }
  get(key: string): Json | undefined {
    return this.has(key) ? this.value[key] : undefined;
  }
  str(key: string): string {
    const v = this.get(key);
    if (typeof v !== 'string') fail(`${this.path}.${key}`, 'a string', v);
    return v;
  }
  int(key: string): number {
    const v = this.get(key);
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${this.path}.${key}`, 'an integer', v);
    return v;
  }
  bool(key: string): boolean {
    const v = this.get(key);
    if (typeof v !== 'boolean') fail(`${this.path}.${key}`, 'a boolean', v);
    return v;
  }
  hex(key: string): bigint {
    const s = this.str(key);
    if (!/^0x[0-9a-f]+$/.test(s)) fail(`${this.path}.${key}`, 'a hex string', s);
    return BigInt(s);
  }
  arr(key: string): readonly Json[] {
    const v = this.get(key);
    if (!Array.isArray(v)) fail(`${this.path}.${key}`, 'an array', v);
    return v as readonly Json[];
  }
}

function fail(path: string, what: string, got: Json | undefined): never {
  throw new UffdResultDecodeError(
    `${path}: expected ${what}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`,
  );
}

function decodeErrno(path: string, s: string): Errno {
  if (errnoNumber(s) === undefined) fail(path, 'an errno name', s);
  return s as Errno;
}

function decodeRet(o: Obj): SyscallResult {
  const ret = o.int('ret');
  return ret === -1 ? { ret, errno: decodeErrno(`${o.path}.errno`, o.str('errno')) } : { ret };
}

function decodeAddress(path: string, s: string): ResultAddress {
  const abs = /^@0x([0-9a-f]+)$/.exec(s);
  if (abs !== null) return { absolute: BigInt(`0x${abs[1]}`) };
  const m = /^([A-Za-z_][A-Za-z0-9_]*):(-?[0-9]+)(?:\+([1-9][0-9]*))?$/.exec(s);
  if (m === null) fail(path, 'an address', s);
  return { mapping: m[1] as string, page: Number(m[2]), offset: m[3] === undefined ? 0 : Number(m[3]) };
}

function decodeLength(path: string, v: Json | undefined): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v * UFFD_SCRIPT_PAGE_SIZE;
  const m = typeof v === 'string' ? /^bytes:([0-9]+)$/.exec(v) : null;
  if (m === null) fail(path, 'a length', v);
  return Number(m[1]);
}

function decodeOutField(path: string, v: Json | undefined): OutField {
  if (v === 'unset') return 'unset';
  if (typeof v === 'string' && v.startsWith('-E')) return { errno: decodeErrno(path, v.slice(1)) };
  return { bytes: decodeLength(path, v) };
}

function decodeMask(o: Obj, key: string): WrittenMask {
  return o.get(key) === 'unset' ? 'unset' : o.hex(key);
}

function decodeFlags(path: string, s: string, table: FlagTable): bigint {
  if (s === '0') return 0n;
  let v = 0n;
  for (const part of s.split('|')) {
    const bit = /^0x[0-9a-f]+$/.test(part) ? BigInt(part) : table.find(([name]) => name === part)?.[1];
    if (bit === undefined) fail(path, 'flag names', s);
    v |= bit;
  }
  return v;
}

function decodePagemap(path: string, s: string): PagemapEntry[] {
  return s.split(',').map((e) => {
    const m = /^([-PS])(W?)$/.exec(e);
    if (m === null) fail(path, 'pagemap entries', s);
    return { state: m[1] as PagemapEntry['state'], uffdWp: m[2] === 'W' };
  });
}

function decodeMsg(v: Json | undefined, path: string): UffdMsgResult {
  const o = Obj.of(v, path);
  const event = o.str('event');
  const clean = o.bool('clean');
  switch (event) {
    case 'PAGEFAULT':
      return {
        event,
        flags: decodeFlags(`${path}.flags`, o.str('flags'), PAGEFAULT_FLAG_NAMES),
        address: decodeAddress(`${path}.address`, o.str('address')),
        ptid: o.str('ptid'),
        clean,
      };
    case 'FORK':
      return { event, ufd: o.str('ufd'), clean };
    case 'REMAP':
      return {
        event,
        from: decodeAddress(`${path}.from`, o.str('from')),
        to: decodeAddress(`${path}.to`, o.str('to')),
        len: decodeLength(`${path}.len`, o.get('len')),
        clean,
      };
    case 'REMOVE':
    case 'UNMAP':
      return {
        event,
        start: decodeAddress(`${path}.start`, o.str('start')),
        end: decodeAddress(`${path}.end`, o.str('end')),
        clean,
      };
    default:
      if (!/^0x[0-9a-f]{1,2}$/.test(event)) fail(`${path}.event`, 'an event', event);
      return { event: 'UNKNOWN', code: Number(event), clean };
  }
}

function decodeAccess(o: Obj): AccessResult {
  const result = o.str('result');
  if (result === 'SIGBUS' || result === 'SIGSEGV') return { result };
  if (result !== 'done') fail(`${o.path}.result`, 'done, SIGBUS or SIGSEGV', result);
  return o.has('value') ? { result, value: Number(o.hex('value')) } : { result };
}

function decodeChild(o: Obj): ForkChild {
  if (o.get('child') === 'blocked') return 'blocked';
  const exit = o.get('child_exit') === 'signal' ? 'signal' : o.int('child_exit');
  const child = Obj.of(o.get('child'), `${o.path}.child`);
  return { exit, access: Object.keys(child.value).length === 0 ? null : decodeAccess(child) };
}

function decodeThreadResult<K extends ThreadRunOp>(op: K, o: Obj): ThreadResults[K];
function decodeThreadResult(op: ThreadRunOp, o: Obj): ThreadResults[ThreadRunOp] {
  if (op === 'touch') return decodeAccess(o);
  if (o.str('result') !== 'done') fail(`${o.path}.result`, '"done"', o.get('result'));
  const done = { result: 'done' as const, ...decodeRet(o) };
  switch (op) {
    case 'kread':
      return o.has('value') ? { ...done, value: Number(o.hex('value')) } : done;
    case 'mremap':
      return o.has('addr') ? { ...done, addr: decodeAddress(`${o.path}.addr`, o.str('addr')) } : done;
    case 'fork':
      return o.has('child') ? { ...done, child: decodeChild(o) } : done;
    case 'read_msg':
      return o.has('msgs')
        ? { ...done, msgs: o.arr('msgs').map((m, i) => decodeMsg(m, `${o.path}.msgs[${i}]`)) }
        : done;
    default:
      return done;
  }
}

function decodeStep(v: Json | undefined, path: string): StepResult {
  const o = Obj.of(v, path);
  const line = o.int('line');
  const op = o.str('op');
  if (o.has('error')) fail(`${path}.error`, 'no oracle failure', o.get('error'));
  switch (op) {
    case 'uffd':
    case 'close':
    case 'bad_ioctl':
    case 'drop_ptrace':
    case 'mmap':
    case 'reserve':
    case 'mprotect':
    case 'unregister':
    case 'wake':
    case 'writeprotect':
      return { line, op, ...decodeRet(o) };
    case 'api':
      return {
        line,
        op,
        ...decodeRet(o),
        api: o.hex('api'),
        features: o.hex('features'),
        ioctls: decodeMask(o, 'ioctls'),
      };
    case 'register':
      return { line, op, ...decodeRet(o), ioctls: decodeMask(o, 'ioctls') };
    case 'copy':
    case 'zeropage':
    case 'move':
      return { line, op, ...decodeRet(o), out: decodeOutField(`${path}.${op}`, o.get(op)) };
    case 'continue':
      return { line, op, ...decodeRet(o), out: decodeOutField(`${path}.mapped`, o.get('mapped')) };
    case 'poison':
      return { line, op, ...decodeRet(o), out: decodeOutField(`${path}.updated`, o.get('updated')) };
    case 'fdinfo':
      if (o.has('result')) return { line, op, result: noFdinfo(o) };
      return {
        line,
        op,
        pending: o.int('pending'),
        total: o.int('total'),
        api: o.hex('api'),
        features: o.hex('features'),
        ioctls: o.hex('ioctls'),
      };
    case 'wait': {
      const result = o.str('result');
      if (result === 'no-fdinfo') return { line, op, result };
      if (result !== 'ok' && result !== 'timeout') fail(`${path}.result`, 'ok, timeout or no-fdinfo', result);
      return { line, op, result, pending: o.int('pending'), total: o.int('total') };
    }
    case 'poll':
      return {
        line,
        op,
        ...decodeRet(o),
        revents: Number(decodeFlags(`${path}.revents`, o.str('revents'), POLL_EVENT_NAMES)),
      };
    case 'pagemap':
      return { line, op, pages: decodePagemap(`${path}.pages`, o.str('pages')) };
    case 'sleep':
      return { line, op };
    case 'join': {
      const of = o.str('of');
      if (!isThreadRunOp(of)) fail(`${path}.of`, 'a thread-run op', of);
      const outcome = isBlocked(o) ? 'blocked' : decodeThreadResult(of, o);
      // The union over `of` cannot be built from a runtime `of`; decodeThreadResult ties them.
      return { line, op, thread: o.str('thread'), of, outcome } as StepResult;
    }
    default:
      if (!isThreadRunOp(op)) fail(`${path}.op`, 'an op', op);
      return threadStep(line, op, o);
  }
}

function noFdinfo(o: Obj): 'no-fdinfo' {
  const result = o.str('result');
  if (result !== 'no-fdinfo') fail(`${o.path}.result`, '"no-fdinfo"', result);
  return result;
}

function isBlocked(o: Obj): boolean {
  return o.get('result') === 'blocked';
}

function threadStep(line: number, op: ThreadRunOp, o: Obj): StepResult {
  const outcome = o.has('async')
    ? { async: o.str('async') }
    : isBlocked(o)
      ? ('blocked' as const)
      : decodeThreadResult(op, o);
  return { line, op, outcome } as StepResult;
}

function decodeStatus(s: string): ScriptStatus {
  if (s === 'ok' || s === 'timeout' || /^crash:/.test(s) || /^exit:[0-9]+$/.test(s)) return s as ScriptStatus;
  fail('status', 'a status', s);
}

/** Decodes one line of a results file (a .jsonl line or a `.expected` file). */
export function decodeScriptResult(line: string): ScriptResult {
  let parsed: Json;
  try {
    parsed = JSON.parse(line) as Json;
  } catch (e) {
    throw new UffdResultDecodeError(`not JSON: ${(e as Error).message}`);
  }
  const o = Obj.of(parsed, '');
  return {
    scenario: o.str('scenario'),
    steps: o.arr('steps').map((s, i) => decodeStep(s, `steps[${i}]`)),
    status: decodeStatus(o.str('status')),
  };
}
