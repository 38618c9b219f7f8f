import { MmulabError } from '../errors.js';

/** Bytes per page in the printed form: the model's addresses are page numbers. */
export const PAGE_SIZE = 0x1000;
/** The address space a workload may span, in pages (every VMA populated at setup). */
export const MAX_PAGES = 4;

/** A primary operation a CPU thread of the process (or the kernel on its behalf) runs. */
export type CpuOp =
  /** A user access: do_user_addr_fault → handle_mm_fault under mmap_lock for read. */
  | { readonly op: 'fault'; readonly addr: number; readonly write: boolean }
  | { readonly op: 'munmap'; readonly addr: number; readonly pages: number }
  | { readonly op: 'madvise_dontneed'; readonly addr: number; readonly pages: number }
  | { readonly op: 'mprotect'; readonly addr: number; readonly pages: number; readonly write: boolean }
  /** shrink_folio_list of the page mapped at `addr` at setup, isolated from the LRU before the run. */
  | { readonly op: 'reclaim'; readonly addr: number }
  | { readonly op: 'fork' }
  /** __oom_reap_task_mm: every VMA, non-blockable invalidations. */
  | { readonly op: 'oom_reap' };

export type CpuOpName = CpuOp['op'];

/** Every primary operation a workload may use, simplest first (the order shrinking prefers). */
export const CPU_OPS: readonly CpuOpName[] = [
  'fault',
  'munmap',
  'madvise_dontneed',
  'mprotect',
  'reclaim',
  'fork',
  'oom_reap',
];

/** A device (or vCPU) access through the secondary's TLB; a miss runs the driver's fault path. */
export interface DeviceOp {
  readonly op: 'load' | 'store';
  readonly addr: number;
}

export type WorkloadThread =
  | { readonly kind: 'cpu'; readonly ops: readonly CpuOp[] }
  | { readonly kind: 'device'; readonly ops: readonly DeviceOp[] };

/** An anonymous private VMA; the VMAs of a workload lie back to back from address 0. */
export interface WorkloadVma {
  readonly pages: number;
  readonly write: boolean;
}

/** One fuzz case: the address space, and the threads that race on it (spawn order = T ids). */
export interface Workload {
  readonly vmas: readonly WorkloadVma[];
  readonly threads: readonly WorkloadThread[];
}

export function workloadPages(w: Workload): number {
  return w.vmas.reduce((n, v) => n + v.pages, 0);
}

/**
 * The canonical form of a generated workload: VMAs cut to MAX_PAGES, addresses and lengths
 * clamped into the address space, a second reclaim of the same address dropped (a page is
 * isolated from the LRU once). Generation and shrinking draw raw values; what runs and what is
 * printed is this.
 */
export function normalizeWorkload(w: Workload): Workload {
  const vmas: WorkloadVma[] = [];
  let size = 0;
  for (const v of w.vmas) {
    const pages = Math.min(v.pages, MAX_PAGES - size);
    if (pages < 1) break;
    vmas.push({ pages, write: v.write });
    size += pages;
  }
  const at = (a: number) => Math.min(Math.max(0, a), size - 1);
  const len = (a: number, n: number) => Math.min(Math.max(1, n), size - a);
  const reclaimed = new Set<number>();
  const threads = w.threads.map((t): WorkloadThread => {
    if (t.kind === 'device')
      return { kind: 'device', ops: t.ops.map((o) => ({ op: o.op, addr: at(o.addr) })) };
    const ops: CpuOp[] = [];
    for (const o of t.ops) {
      switch (o.op) {
        case 'fault':
          ops.push({ op: 'fault', addr: at(o.addr), write: o.write });
          break;
        case 'munmap':
        case 'madvise_dontneed': {
          const addr = at(o.addr);
          ops.push({ op: o.op, addr, pages: len(addr, o.pages) });
          break;
        }
        case 'mprotect': {
          const addr = at(o.addr);
          ops.push({ op: 'mprotect', addr, pages: len(addr, o.pages), write: o.write });
          break;
        }
        case 'reclaim': {
          const addr = at(o.addr);
          if (reclaimed.has(addr)) break;
          reclaimed.add(addr);
          ops.push({ op: 'reclaim', addr });
          break;
        }
        default:
          ops.push(o);
      }
    }
    return { kind: 'cpu', ops };
  });
  return { vmas, threads: threads.filter((t) => t.ops.length > 0) };
}

const hex = (page: number) => `0x${(page * PAGE_SIZE).toString(16)}`;

function formatOp(o: CpuOp | DeviceOp): string {
  switch (o.op) {
    case 'fault':
      return `fault(${hex(o.addr)}, ${o.write ? 'write' : 'read'})`;
    case 'munmap':
      return `munmap(${hex(o.addr)}, ${hex(o.pages)})`;
    case 'madvise_dontneed':
      return `madvise(${hex(o.addr)}, ${hex(o.pages)}, MADV_DONTNEED)`;
    case 'mprotect':
      return `mprotect(${hex(o.addr)}, ${hex(o.pages)}, ${o.write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ'})`;
    case 'reclaim':
      return `reclaim(${hex(o.addr)})`;
    case 'fork':
      return 'fork()';
    case 'oom_reap':
      return 'oom_reap()';
    default:
      return `${o.op}(${hex(o.addr)})`;
  }
}

/** The thread's name in traces and in the printed workload: cpu0.., and device0.. or vcpu0... */
export function threadNames(w: Workload, deviceLabel: string): string[] {
  let cpus = 0;
  let devs = 0;
  return w.threads.map((t) => (t.kind === 'cpu' ? `cpu${cpus++}` : `${deviceLabel}${devs++}`));
}

/** The VMAs as /proc/pid/maps shows them: `0-2000 rw-p 2000-3000 r--p`. */
function formatMaps(w: Workload): string {
  let a = 0;
  return w.vmas
    .map((v) => {
      const s = `${(a * PAGE_SIZE).toString(16)}-${((a + v.pages) * PAGE_SIZE).toString(16)} ${v.write ? 'rw-p' : 'r--p'}`;
      a += v.pages;
      return s;
    })
    .join(', ');
}

/** One item per line: `maps 0-1000 rw-p`, then `T0 vcpu0: store(0x0)`, ... */
export function formatWorkloadLines(w: Workload, deviceLabel = 'device'): string[] {
  const names = threadNames(w, deviceLabel);
  return [
    `maps ${formatMaps(w)}`,
    ...w.threads.map((t, i) => `T${i} ${names[i]}: ${t.ops.map(formatOp).join(', ')}`),
  ];
}

/** The one-line form, which `--workload` parses back: items joined by `; `. */
export function formatWorkload(w: Workload, deviceLabel = 'device'): string {
  return formatWorkloadLines(w, deviceLabel).join('; ');
}

function bad(text: string, why: string): never {
  throw new MmulabError('MMULAB_BAD_OPTION', `bad --workload '${text}': ${why}`);
}

/** Splits at `sep` outside parentheses. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out.map((x) => x.trim());
}

/**
 * Parses the printed form back (`mmulab fuzz ... --workload '...'`). Addresses and lengths
 * are bytes, page aligned; every address must lie inside the VMAs given by `maps`.
 */
export function parseWorkload(text: string): Workload {
  const items = splitTop(text.trim(), ';').filter((s) => s !== '');
  const maps = items.shift();
  if (!maps?.startsWith('maps ')) bad(text, "it must begin with 'maps START-END rw-p'");
  const vmas: WorkloadVma[] = [];
  let size = 0;
  for (const m of maps.slice(5).split(',')) {
    const r = /^([0-9a-f]+)-([0-9a-f]+) (rw-p|r--p)$/.exec(m.trim());
    if (!r) bad(text, `cannot read the mapping '${m.trim()}' (want e.g. 0-2000 rw-p)`);
    const start = Number.parseInt(r[1]!, 16);
    const end = Number.parseInt(r[2]!, 16);
    if (start !== size * PAGE_SIZE || end <= start || end % PAGE_SIZE !== 0) {
      bad(text, `the mappings must be page aligned and back to back from 0 ('${m.trim()}')`);
    }
    vmas.push({ pages: (end - start) / PAGE_SIZE, write: r[3] === 'rw-p' });
    size = end / PAGE_SIZE;
  }
  if (size > MAX_PAGES)
    bad(text, `at most ${MAX_PAGES} pages of address space (0-${hex(MAX_PAGES).slice(2)})`);
  const page = (s: string | undefined, what: string, isLen = false): number => {
    const v = s === undefined ? Number.NaN : Number(s.trim());
    if (!Number.isInteger(v) || v % PAGE_SIZE !== 0)
      bad(text, `${what} '${s ?? ''}' is not a page-aligned number`);
    const p = v / PAGE_SIZE;
    if (isLen ? p < 1 : p < 0 || p >= size) bad(text, `${what} ${s?.trim()} is outside the mappings`);
    return p;
  };
  const threads = items.map((item, i): WorkloadThread => {
    const h = /^T([0-9]+) ([a-z]+)([0-9]+): (.+)$/.exec(item);
    if (!h) bad(text, `cannot read '${item}' (want e.g. 'T0 cpu0: munmap(0x0, 0x1000)')`);
    if (Number(h[1]) !== i) bad(text, `thread T${h[1]} is out of order (T${i} expected)`);
    const device = h[2] !== 'cpu';
    const ops = splitTop(h[4]!, ',').map((o) => {
      const c = /^([a-z_]+)\((.*)\)$/.exec(o);
      if (!c) bad(text, `cannot read the operation '${o}'`);
      const args = c[2]!.split(',').map((a) => a.trim());
      const name = c[1]!;
      if (device) {
        if ((name === 'load' || name === 'store') && args.length === 1)
          return { op: name, addr: page(args[0], 'address') };
        bad(text, `a device thread runs load(ADDR) and store(ADDR), not '${o}'`);
      }
      const n = args.filter((a) => a !== '').length;
      const len = (addr: number) => {
        const l = page(args[1], 'length', true);
        if (addr + l > size) bad(text, `${o} runs past the mappings`);
        return l;
      };
      if (name === 'fault' && n === 2 && (args[1] === 'read' || args[1] === 'write'))
        return { op: 'fault', addr: page(args[0], 'address'), write: args[1] === 'write' };
      if (name === 'munmap' && n === 2) {
        const addr = page(args[0], 'address');
        return { op: 'munmap', addr, pages: len(addr) };
      }
      if (name === 'madvise' && n === 3 && args[2] === 'MADV_DONTNEED') {
        const addr = page(args[0], 'address');
        return { op: 'madvise_dontneed', addr, pages: len(addr) };
      }
      if (name === 'mprotect' && n === 3 && (args[2] === 'PROT_READ' || args[2] === 'PROT_READ|PROT_WRITE')) {
        const addr = page(args[0], 'address');
        return { op: 'mprotect', addr, pages: len(addr), write: args[2] === 'PROT_READ|PROT_WRITE' };
      }
      if (name === 'reclaim' && n === 1) return { op: 'reclaim', addr: page(args[0], 'address') };
      if ((name === 'fork' || name === 'oom_reap') && n === 0) return { op: name };
      return bad(
        text,
        `unknown operation '${o}' (cpu: fault(A, read|write), munmap(A, L), madvise(A, L, MADV_DONTNEED), mprotect(A, L, PROT_READ[|PROT_WRITE]), reclaim(A), fork(), oom_reap())`,
      );
    });
    return device ? { kind: 'device', ops: ops as DeviceOp[] } : { kind: 'cpu', ops: ops as CpuOp[] };
  });
  if (threads.length === 0) bad(text, 'no threads');
  const w = { vmas, threads };
  const seen = new Set<number>();
  for (const t of threads)
    for (const o of t.ops)
      if (o.op === 'reclaim') {
        if (seen.has(o.addr))
          bad(text, `reclaim(${hex(o.addr)}) twice: a page is isolated from the LRU once`);
        seen.add(o.addr);
      }
  return w;
}
