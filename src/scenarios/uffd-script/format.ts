/**
 * Renders script results exactly as uffd_oracle.c prints them (kernel-6.18.jsonl), byte for byte:
 * its key order per op (LANGUAGE.md §4-§6), its string escaping (`jb_str`: only `"`, `\` and
 * control characters, the latter as `\u00xx`), hex as `0x%llx`, lengths in pages or `bytes:N`.
 */
import { errnoName } from '../../primary/userfaultfd/errno.js';
import type {
  AccessResult,
  ForkChild,
  OutField,
  PagemapEntry,
  ResultAddress,
  ScriptResult,
  StepResult,
  SyscallResult,
  ThreadResults,
  UffdMsgResult,
  WrittenMask,
} from './result.js';
import { OUT_FIELD_OF } from './result.js';
import type { ThreadRunOp } from './syntax.js';
import { type FlagTable, UFFD_SCRIPT_PAGE_SIZE } from './syntax.js';

/** uffd_oracle.c `pf_flag_names`: UFFD_PAGEFAULT_FLAG_* without the prefix. */
export const PAGEFAULT_FLAG_NAMES: FlagTable = [
  ['WRITE', 1n],
  ['WP', 2n],
  ['MINOR', 4n],
];

/** poll(2) revents names and x86-64 values (include/uapi/asm-generic/poll.h), in the oracle's order. */
export const POLL_EVENT_NAMES: FlagTable = [
  ['IN', 0x1n],
  ['PRI', 0x2n],
  ['OUT', 0x4n],
  ['ERR', 0x8n],
  ['HUP', 0x10n],
  ['NVAL', 0x20n],
  ['RDNORM', 0x40n],
  ['WRNORM', 0x100n],
];

export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** uffd_oracle.c `flags_str`: the names of the set bits joined by `|`, then any rest in hex; `0` for none. */
export function formatFlags(value: bigint, table: FlagTable): string {
  if (value === 0n) return '0';
  const parts: string[] = [];
  let rest = value;
  for (const [name, bit] of table) {
    if ((rest & bit) !== 0n) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts.join('|');
}

export function formatAddress(a: ResultAddress): string {
  if ('absolute' in a) return `@${hex(a.absolute)}`;
  return a.offset === 0 ? `${a.mapping}:${a.page}` : `${a.mapping}:${a.page}+${a.offset}`;
}

/** A byte count as JSON: whole pages as an integer, else `"bytes:N"`. */
export function formatLength(bytes: number): string {
  return bytes % UFFD_SCRIPT_PAGE_SIZE === 0
    ? `${bytes / UFFD_SCRIPT_PAGE_SIZE}`
    : jsonString(`bytes:${bytes}`);
}

export function formatOutField(v: OutField): string {
  if (v === 'unset') return jsonString('unset');
  if ('errno' in v) return jsonString(`-${v.errno}`);
  return formatLength(v.bytes);
}

export function formatPagemap(pages: readonly PagemapEntry[]): string {
  return pages.map((p) => `${p.state}${p.uffdWp ? 'W' : ''}`).join(',');
}

/** `"key":value` fragments in the order they are added. */
class Fields {
  private readonly parts: string[] = [];
  raw(key: string, json: string): this {
    this.parts.push(`${jsonString(key)}:${json}`);
    return this;
  }
  str(key: string, value: string): this {
    return this.raw(key, jsonString(value));
  }
  int(key: string, value: number): this {
    return this.raw(key, `${value}`);
  }
  hex(key: string, value: bigint | number): this {
    return this.str(key, hex(value));
  }
  mask(key: string, value: WrittenMask): this {
    return value === 'unset' ? this.str(key, 'unset') : this.hex(key, value);
  }
  addr(key: string, value: ResultAddress): this {
    return this.str(key, formatAddress(value));
  }
  /** uffd_oracle.c `jb_ret`. */
  ret(r: SyscallResult): this {
    this.int('ret', r.ret);
    if (r.ret === -1) this.str('errno', r.errno ?? errnoName(0));
    return this;
  }
  object(): string {
    return `{${this.parts.join(',')}}`;
  }
  inner(): string {
    return this.parts.join(',');
  }
}

function formatMsg(m: UffdMsgResult): string {
  const f = new Fields();
  switch (m.event) {
    case 'PAGEFAULT':
      f.str('event', m.event)
        .str('flags', formatFlags(m.flags, PAGEFAULT_FLAG_NAMES))
        .addr('address', m.address);
      f.str('ptid', m.ptid);
      break;
    case 'FORK':
      f.str('event', m.event).str('ufd', m.ufd);
      break;
    case 'REMAP':
      f.str('event', m.event).addr('from', m.from).addr('to', m.to).raw('len', formatLength(m.len));
      break;
    case 'REMOVE':
    case 'UNMAP':
      f.str('event', m.event).addr('start', m.start).addr('end', m.end);
      break;
    case 'UNKNOWN':
      f.str('event', hex(m.code));
      break;
  }
  return f.raw('clean', m.clean ? 'true' : 'false').object();
}

function accessFields(f: Fields, a: AccessResult): void {
  f.str('result', a.result);
  if (a.result === 'done' && a.value !== undefined) f.hex('value', a.value);
}

function childFields(f: Fields, child: ForkChild): void {
  if (child === 'blocked') {
    f.str('child', 'blocked');
    return;
  }
  if (child.exit === 'signal') f.str('child_exit', 'signal');
  else f.int('child_exit', child.exit);
  const inner = new Fields();
  if (child.access !== null) accessFields(inner, child.access);
  f.raw('child', inner.object());
}

/** The fields a finished thread reports (uffd_oracle.c `run_task_body`). */
function threadFields<K extends ThreadRunOp>(f: Fields, op: K, result: ThreadResults[K]): void {
  const r = result as ThreadResults[ThreadRunOp];
  if (op === 'touch') {
    accessFields(f, r as AccessResult);
    return;
  }
  const done = r as ThreadResults['kread'] &
    ThreadResults['mremap'] &
    ThreadResults['fork'] &
    ThreadResults['read_msg'];
  f.str('result', 'done').ret(done);
  if (done.value !== undefined) f.hex('value', done.value);
  if (done.addr !== undefined) f.addr('addr', done.addr);
  if (done.child !== undefined) childFields(f, done.child);
  if (done.msgs !== undefined) f.raw('msgs', `[${done.msgs.map(formatMsg).join(',')}]`);
}

function stepFields(f: Fields, s: StepResult): void {
  switch (s.op) {
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
      f.ret(s);
      return;
    case 'api':
      f.ret(s).hex('api', s.api).hex('features', s.features).mask('ioctls', s.ioctls);
      return;
    case 'register':
      f.ret(s).mask('ioctls', s.ioctls);
      return;
    case 'copy':
    case 'zeropage':
    case 'continue':
    case 'poison':
    case 'move':
      f.ret(s).raw(OUT_FIELD_OF[s.op], formatOutField(s.out));
      return;
    case 'fdinfo':
      if ('result' in s) f.str('result', s.result);
      else
        f.int('pending', s.pending)
          .int('total', s.total)
          .hex('api', s.api)
          .hex('features', s.features)
          .hex('ioctls', s.ioctls);
      return;
    case 'wait':
      f.str('result', s.result);
      if ('pending' in s) f.int('pending', s.pending).int('total', s.total);
      return;
    case 'poll':
      f.ret(s).str('revents', formatFlags(BigInt(s.revents), POLL_EVENT_NAMES));
      return;
    case 'pagemap':
      f.str('pages', formatPagemap(s.pages));
      return;
    case 'sleep':
      return;
    case 'join':
      f.str('thread', s.thread).str('of', s.of);
      if (s.outcome === 'blocked') f.str('result', 'blocked');
      else threadFields(f, s.of, s.outcome);
      return;
    default:
      if (s.outcome === 'blocked') f.str('result', 'blocked');
      else if ('async' in s.outcome) f.str('async', s.outcome.async);
      else threadFields(f, s.op, s.outcome);
  }
}

export function formatStepResult(s: StepResult): string {
  const f = new Fields().int('line', s.line).str('op', s.op);
  stepFields(f, s);
  return f.object();
}

/**
 * One output line, without the newline. The scenario name is printed raw, as the oracle's
 * `printf("%s")` does (names come from file names and are not escaped).
 */
export function formatScriptResult(r: ScriptResult): string {
  return `{"scenario":"${r.scenario}","steps":[${r.steps.map(formatStepResult).join(',')}],"status":${jsonString(r.status)}}`;
}
