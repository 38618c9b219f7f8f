/**
 * The parser of the `.uffd` language, version 1 (shared/uffd/LANGUAGE.md). It makes the static
 * checks of uffd_oracle.c `check_script` in the oracle's order, so a script gets the same first
 * error (`FILE:LINE: message`), and reads odd but accepted input as the oracle runs it:
 *
 * - a key given twice: the first one counts, later ones are not even checked (`kv`);
 * - bare words are looked for among all arguments, positionals included (`has_word`), so
 *   `uffd nonblock` names the handle `nonblock` and makes it non-blocking;
 * - `mmap ... alias=M2` without `shared` maps the memfd MAP_PRIVATE (`shared` is computed before
 *   the alias makes the mapping shmem).
 */
import { isProtSyntax, isValidName, parseAddress, parseFlags, parseLength, protBits } from './args.js';
import type {
  CopySource,
  MmapBacking,
  ScriptAddress,
  ScriptLength,
  ScriptStep,
  ThreadRun,
  UffdScript,
} from './ast.js';
import { parseU64 } from './c-number.js';
import { UffdScriptSyntaxError } from './error.js';
import { lexUffdScript, type ScriptLine, scenarioName } from './lex.js';
import {
  ADVICE_NAMES,
  FEATURE_NAMES,
  isThreadRunOp,
  isUffdScriptOp,
  MAX_MAPPINGS,
  MAX_MMAP_PAGES,
  MAX_NAME_LENGTH,
  MAX_THREAD_RUN_OPS,
  MODE_NAMES,
  O_CLOEXEC,
  O_NONBLOCK,
  OP_SYNTAX,
  RANGE_OPS,
  type RangeOp,
  UFFD_HANDLE_OPS,
  type UffdScriptOp,
} from './syntax.js';

export { UffdScriptSyntaxError } from './error.js';

/** Parses one script; `path` prefixes error messages and gives the scenario name. */
export function parseUffdScript(text: string, path: string): UffdScript {
  const lines = lexUffdScript(text, path);
  const names = new ScriptNames();
  const steps = lines.map((line) => parseLine(new LineArgs(path, line), names));
  return { path, name: scenarioName(path), steps };
}

/** uffd_oracle.c keeps at most 128 names per kind; a name past that is silently not recorded. */
class NameSet {
  private readonly names: string[] = [];
  has(name: string | undefined): boolean {
    return name !== undefined && this.names.includes(name);
  }
  add(name: string): void {
    if (!this.has(name) && this.names.length < 128) this.names.push(name);
  }
  get size(): number {
    return this.names.length;
  }
}

class ScriptNames {
  readonly uffds = new NameSet();
  readonly mappings = new NameSet();
  readonly threads = new NameSet();
  threadRunOps = 0;
}

/** The arguments of one line, read the way uffd_oracle.c's `kv`, `has_word` and `pos` read them. */
class LineArgs {
  readonly op: string;
  readonly line: number;
  private readonly args: readonly string[];
  private readonly path: string;

  constructor(path: string, source: ScriptLine) {
    this.path = path;
    [this.op, ...this.args] = source.tokens;
    this.line = source.line;
  }

  fail(message: string): never {
    throw new UffdScriptSyntaxError(this.path, this.line, message);
  }

  /** The value of the first `key=` argument. */
  kv(key: string): string | undefined {
    const token = this.args.find((t) => t.startsWith(`${key}=`));
    return token?.slice(key.length + 1);
  }

  hasWord(word: string): boolean {
    return this.args.includes(word);
  }

  /** The n-th argument without `=`. */
  pos(n: number): string | undefined {
    return this.args.filter((t) => !t.includes('='))[n];
  }

  get tokens(): readonly string[] {
    return this.args;
  }
}

function parseLine(l: LineArgs, names: ScriptNames): ScriptStep {
  const op = l.op;
  if (isThreadRunOp(op) && ++names.threadRunOps > MAX_THREAD_RUN_OPS) {
    l.fail(`more than ${MAX_THREAD_RUN_OPS} thread-run ops`);
  }
  if (!isUffdScriptOp(op)) l.fail(`unknown op '${op}'`);
  checkArgumentShapes(l, op);
  checkArguments(l, op, names);
  return buildStep(l, op);
}

function checkArgumentShapes(l: LineArgs, op: UffdScriptOp): void {
  const syntax = OP_SYNTAX[op];
  const keys: readonly string[] = syntax.keys;
  const words: readonly string[] = syntax.words;
  let positionals = 0;
  for (const t of l.tokens) {
    const eq = t.indexOf('=');
    if (eq !== -1) {
      const key = t.slice(0, eq);
      if (!keys.includes(key)) l.fail(`op '${op}' takes no key '${key}'`);
      if (eq === t.length - 1) l.fail(`empty value for '${key}'`);
    } else if (positionals < syntax.positionals) {
      positionals++;
    } else if (!words.includes(t)) {
      l.fail(`op '${op}': unexpected word '${t}'`);
    }
  }
  if (positionals < syntax.positionals) l.fail(`op '${op}' needs ${syntax.positionals} argument(s)`);
}

/** uffd_oracle.c `addr_name_ok`. */
function addressNameKnown(names: ScriptNames, s: string): boolean {
  if (s.startsWith('@')) return true;
  const name = s.slice(0, s.indexOf(':'));
  return name.length <= MAX_NAME_LENGTH && names.mappings.has(name);
}

const ADDRESS_FIRST_OPS: readonly UffdScriptOp[] = [
  'munmap',
  'madvise',
  'mremap',
  'mprotect',
  'touch',
  'kwrite',
  'kread',
  'pagemap',
];
const LENGTH_OPS: readonly UffdScriptOp[] = ['munmap', 'madvise', 'mremap', 'mprotect', ...RANGE_OPS];
const NUMBER_KEYS = [
  'value',
  'fill',
  'timeout_ms',
  'wait_ms',
  'max',
  'bytes',
  'child_timeout_ms',
  'pending',
  'total',
  'ms',
  'nr',
] as const;

function isRangeOp(op: UffdScriptOp): op is RangeOp {
  return (RANGE_OPS as readonly string[]).includes(op);
}

/** Fails with `message(v)` when `key=` is present and its value `v` is not `valid`. */
function checkValue(
  l: LineArgs,
  key: string,
  valid: (v: string) => boolean,
  message: (v: string) => string,
): void {
  const v = l.kv(key);
  if (v !== undefined && !valid(v)) l.fail(message(v));
}

function requireKey(l: LineArgs, key: string, message: string): void {
  if (l.kv(key) === undefined) l.fail(message);
}

/** The checks of uffd_oracle.c `check_script` after the shape of the line, in its order. */
function checkArguments(l: LineArgs, op: UffdScriptOp, names: ScriptNames): void {
  const p0 = l.pos(0);
  const p1 = l.pos(1);
  const isNumber = (v: string): boolean => parseU64(v) !== undefined;
  const isAddress = (v: string): boolean => parseAddress(v) !== undefined && addressNameKnown(names, v);
  if (op === 'uffd') {
    if (!isValidName(p0)) l.fail(`bad uffd name '${p0}'`);
    names.uffds.add(p0);
    checkValue(l, 'flags', isNumber, () => 'bad flags');
    checkValue(l, 'devnr', isNumber, () => 'bad devnr');
  } else if (UFFD_HANDLE_OPS.includes(op) && !names.uffds.has(p0)) {
    l.fail(`unknown uffd '${p0}'`);
  }
  if (op === 'mmap' || op === 'reserve') {
    if (!isValidName(p0)) l.fail(`bad mapping name '${p0}'`);
    if (names.mappings.has(p0)) l.fail(`mapping '${p0}' already defined`);
    if (names.mappings.size >= MAX_MAPPINGS) l.fail(`more than ${MAX_MAPPINGS} mappings`);
    if (op === 'mmap') {
      const pages = parseU64(l.kv('pages'));
      if (pages === undefined || pages === 0n || pages > BigInt(MAX_MMAP_PAGES)) {
        l.fail(`mmap needs pages=1..${MAX_MMAP_PAGES}`);
      }
      checkValue(
        l,
        'alias',
        (v) => names.mappings.has(v),
        (v) => `unknown alias '${v}'`,
      );
    }
    names.mappings.add(p0);
  }
  const address = ADDRESS_FIRST_OPS.includes(op) ? p0 : isRangeOp(op) ? p1 : undefined;
  if (address !== undefined) {
    if (parseAddress(address) === undefined) l.fail(`bad address '${address}'`);
    if (!addressNameKnown(names, address)) l.fail(`unknown mapping in '${address}'`);
  }
  if (LENGTH_OPS.includes(op) && parseLength(l.kv('pages')) === undefined)
    l.fail(`op '${op}' needs pages=N[+B]`);
  checkValue(
    l,
    'newpages',
    (v) => parseLength(v) !== undefined,
    () => 'bad newpages',
  );
  if (op === 'pagemap') checkValue(l, 'pages', isNumber, () => 'bad pages');
  for (const key of ['to', 'src', 'from']) checkValue(l, key, isAddress, (v) => `bad address '${v}'`);
  if (op === 'move') requireKey(l, 'from', 'move needs from=ADDR');
  const modes = isRangeOp(op) ? MODE_NAMES[op] : undefined;
  if (modes !== undefined)
    checkValue(
      l,
      'mode',
      (v) => parseFlags(v, modes) !== undefined,
      (v) => `bad mode '${v}'`,
    );
  if (op === 'register') requireKey(l, 'mode', 'register needs mode=');
  if (op === 'writeprotect') requireKey(l, 'mode', 'writeprotect needs mode=');
  checkValue(
    l,
    'features',
    (v) => parseFlags(v, FEATURE_NAMES) !== undefined,
    (v) => `bad features '${v}'`,
  );
  checkValue(l, 'api', isNumber, () => 'bad api');
  checkValue(
    l,
    'advice',
    (v) => parseFlags(v, ADVICE_NAMES) !== undefined,
    (v) => `bad advice '${v}'`,
  );
  if (op === 'madvise') requireKey(l, 'advice', 'madvise needs advice=');
  checkValue(l, 'prot', isProtSyntax, (v) => `bad prot '${v}'`);
  if (op === 'mprotect') requireKey(l, 'prot', 'mprotect needs prot=');
  for (const key of NUMBER_KEYS) checkValue(l, key, isNumber, () => `bad number for '${key}'`);
  if (op === 'touch' && !l.hasWord('read') && !l.hasWord('write')) l.fail('touch needs read or write');
  const child = l.kv('child');
  if (op === 'fork' && child !== undefined && child !== 'none') {
    if (!child.startsWith('read:') && !child.startsWith('write:')) l.fail('child=none|read:ADDR|write:ADDR');
    const a = child.slice(child.indexOf(':') + 1);
    if (!isAddress(a)) l.fail(`bad child address '${a}'`);
  }
  const bind = l.kv('bind');
  if (bind !== undefined) {
    if (!isValidName(bind)) l.fail('bad bind name');
    names.uffds.add(bind);
  }
  const thread = l.kv('async');
  if (thread !== undefined) {
    if (!isValidName(thread)) l.fail('bad thread name');
    names.threads.add(thread);
  }
  if (op === 'join' && !names.threads.has(p0)) l.fail(`unknown thread '${p0}'`);
  if (op === 'sleep') requireKey(l, 'ms', 'sleep needs ms=');
  if (op === 'wait' && l.kv('pending') === undefined && l.kv('total') === undefined) {
    l.fail('wait needs pending= or total=');
  }
}

/** Builds the step of a line that passed the checks; every value read here was checked above. */
function buildStep(l: LineArgs, op: UffdScriptOp): ScriptStep {
  const line = l.line;
  const name = (): string => l.pos(0) as string;
  const address = (text: string | undefined): ScriptAddress => parseAddress(text as string) as ScriptAddress;
  const length = (text: string | undefined): ScriptLength => parseLength(text) as ScriptLength;
  const number = (key: string, fallback: bigint): bigint => parseU64(l.kv(key)) ?? fallback;
  const flags = (key: string, table: Parameters<typeof parseFlags>[1]): bigint =>
    parseFlags(l.kv(key), table) ?? 0n;
  const run = (): ThreadRun => ({ async: l.kv('async') ?? null, timeoutMs: number('timeout_ms', 1000n) });
  const range = () => ({ uffd: name(), start: address(l.pos(1)), len: length(l.kv('pages')) });
  const mode = (rangeOp: RangeOp): bigint => flags('mode', MODE_NAMES[rangeOp] ?? []);

  switch (op) {
    case 'uffd': {
      let computed = 0n;
      if (l.hasWord('nonblock')) computed |= O_NONBLOCK;
      if (l.hasWord('cloexec')) computed |= O_CLOEXEC;
      if (l.hasWord('user_mode_only')) computed |= 1n;
      const devnr = l.kv('devnr');
      const device = l.hasWord('dev') || devnr !== undefined ? { nr: parseU64(devnr) ?? 0n } : null;
      return { op, line, uffd: name(), flags: parseU64(l.kv('flags')) ?? computed, device };
    }
    case 'api':
      return {
        op,
        line,
        uffd: name(),
        api: number('api', 0xaan),
        features: flags('features', FEATURE_NAMES),
      };
    case 'mmap': {
      const alias = l.kv('alias');
      const shmemWord = l.hasWord('shmem');
      const backing: MmapBacking =
        alias !== undefined ? { kind: 'alias', of: alias } : shmemWord ? { kind: 'memfd' } : { kind: 'anon' };
      return {
        op,
        line,
        mapping: name(),
        pages: number('pages', 0n),
        backing,
        shared: l.hasWord('shared') || (shmemWord && !l.hasWord('private')),
        prot: protBits(l.kv('prot')),
        roFd: backing.kind !== 'anon' && l.hasWord('ro_fd'),
      };
    }
    case 'reserve':
      return { op, line, mapping: name() };
    case 'mprotect':
      return { op, line, start: address(l.pos(0)), len: length(l.kv('pages')), prot: protBits(l.kv('prot')) };
    case 'munmap':
      return { op, line, start: address(l.pos(0)), len: length(l.kv('pages')), run: run() };
    case 'madvise':
      return {
        op,
        line,
        start: address(l.pos(0)),
        len: length(l.kv('pages')),
        advice: flags('advice', ADVICE_NAMES),
        run: run(),
      };
    case 'mremap': {
      const len = length(l.kv('pages'));
      const to = l.kv('to');
      const newpages = l.kv('newpages');
      return {
        op,
        line,
        start: address(l.pos(0)),
        len,
        newLen: newpages === undefined ? len : length(newpages),
        to: to === undefined ? null : address(to),
        run: run(),
      };
    }
    case 'fork': {
      const child = l.kv('child');
      return {
        op,
        line,
        child:
          child === undefined || child === 'none'
            ? null
            : {
                access: child.startsWith('read:') ? 'read' : 'write',
                address: address(child.slice(child.indexOf(':') + 1)),
              },
        childTimeoutMs: number('child_timeout_ms', 2000n),
        run: run(),
      };
    }
    case 'touch':
      return {
        op,
        line,
        address: address(l.pos(0)),
        access: l.hasWord('write') ? 'write' : 'read',
        value: number('value', 0x77n),
        run: run(),
      };
    case 'kwrite':
    case 'kread':
      return { op, line, address: address(l.pos(0)), run: run() };
    case 'join':
      return { op, line, thread: name(), timeoutMs: number('timeout_ms', 1000n) };
    case 'read_msg':
      return {
        op,
        line,
        uffd: name(),
        waitMs: number('wait_ms', 1000n),
        max: number('max', 1n),
        bytes: parseU64(l.kv('bytes')) ?? null,
        bind: l.kv('bind') ?? null,
        run: run(),
      };
    case 'poll':
      return { op, line, uffd: name(), waitMs: number('wait_ms', 0n) };
    case 'register':
    case 'zeropage':
    case 'writeprotect':
    case 'continue':
    case 'poison':
      return { op, line, ...range(), mode: mode(op) };
    case 'unregister':
    case 'wake':
      return { op, line, ...range() };
    case 'copy': {
      const src = l.kv('src');
      const source: CopySource =
        src === undefined
          ? { kind: 'buffer', fill: number('fill', 0x5an) }
          : { kind: 'address', address: address(src) };
      return { op, line, ...range(), mode: mode(op), src: source };
    }
    case 'move':
      return { op, line, ...range(), src: address(l.kv('from')), mode: mode(op) };
    case 'close':
    case 'fdinfo':
      return { op, line, uffd: name() };
    case 'wait':
      return {
        op,
        line,
        uffd: name(),
        pending: parseU64(l.kv('pending')) ?? null,
        total: parseU64(l.kv('total')) ?? null,
        waitMs: number('wait_ms', 1000n),
      };
    case 'pagemap':
      return { op, line, address: address(l.pos(0)), pages: number('pages', 1n) };
    case 'bad_ioctl':
      return { op, line, uffd: name(), nr: number('nr', 0x09n) };
    case 'sleep':
      return { op, line, ms: number('ms', 0n) };
    case 'drop_ptrace':
      return { op, line };
  }
}
