import type { Mm } from '../primary/mm.js';
import { accessAudit } from '../sim/audit.js';
import { type Sim, SimObject, Step } from '../sim/step.js';
import type { SimThread } from '../sim/thread.js';

/** One translation a device TLB caches: a virtual page to a page frame. */
export interface DeviceTlbEntry {
  readonly pfn: number;
  readonly writable: boolean;
}

/** What a device access found: done (the value read or written), or a TLB miss (a fault). */
export type DeviceAccessResult = { readonly ok: true; readonly value: number } | { readonly ok: false };

/** Called inside every device access step that reaches memory (the data-integrity check). */
export type DeviceAccessHook = (a: {
  readonly addr: number;
  readonly pfn: number;
  readonly write: boolean;
  readonly value: number;
}) => void;

/**
 * A device's TLB (a GRU TLB, an IOTLB, an HMM mirror's device page table): virtual page to
 * page frame, filled by the driver's fault path or the device's own walk, emptied by the
 * driver's invalidation. Every operation is one step on this object; none is a plain read
 * (a lookup sets nothing, but the device's use of memory is one atomic hardware action that
 * must conflict with every zap), so DPOR sees each zap and each access as dependent.
 *
 * `invalidations` counts zaps: the hardware's record that an invalidate arrived. The SGI GRU
 * drops a TLB dropin issued across one (tfh_write_restart after a TGH invalidate: spec §9);
 * `dropin(..., since)` models that rule, `install` has none.
 */
export class DeviceTlb extends SimObject {
  private readonly map = new Map<number, DeviceTlbEntry>();
  /**
   * The cached translations, by address. Reported to the access audit (src/sim/audit.ts) as a
   * read on every use, a change included: only steps on this TLB may touch it, and an
   * invariant that reads it must declare the TLB.
   */
  get entries(): Map<number, DeviceTlbEntry> {
    if (accessAudit !== null) accessAudit(this, false);
    return this.map;
  }
  /** Zaps so far (every zap counts, whether or not it found an entry). */
  invalidations = 0;
  onAccess: DeviceAccessHook | null = null;

  constructor(
    name: string,
    /** The address space the entries translate; the device reads and writes its pages. */
    readonly mm: Mm,
    /**
     * True for a cache the hardware refills from the CPU page table by itself at any time
     * (an IOTLB behind ATS): the checks then allow entries inside an invalidation bracket, as
     * for a CPU TLB. False (the default) for a TLB only the driver fills.
     */
    readonly cached = false,
  ) {
    super(name);
  }

  /** Drops every entry in `[start, end)`; returns how many there were. */
  *zap(start: number, end: number): Sim<number> {
    return (yield new Step(this, 'tlb_invalidate', 'rmw', false, { start, end })) as number;
  }

  /** Loads an entry (a driver's TLB write, a device page-table store). */
  *install(addr: number, pfn: number, writable: boolean): Sim<void> {
    yield new Step(this, 'tlb_install', 'write', false, { addr, pfn, writable, since: -1 });
  }

  /**
   * A hardware TLB dropin that honours the invalidate-kills-pending-dropin rule: the entry is
   * loaded only if no zap ran since `since` (a value of `invalidations` the driver read, with
   * `readFaultHandle`, before it walked the page table). Returns whether it was loaded.
   */
  *dropin(addr: number, pfn: number, writable: boolean, since: number): Sim<boolean> {
    return (yield new Step(this, 'tlb_dropin', 'observe', false, { addr, pfn, writable, since })) as boolean;
  }

  /**
   * A hardware page walk and fill as one atomic step (an IOMMU answering an ATS translation
   * request from the CPU page table): `walk` reads the PTE and returns the entry, or null
   * for a miss. Returns whether an entry was filled.
   */
  *fill(addr: number, walk: () => DeviceTlbEntry | null): Sim<boolean> {
    return (yield this.memoryStep(
      new Step(this, 'tlb_walk_fill', 'observe', false, { addr, walk }),
    )) as boolean;
  }

  private hw: readonly SimObject[] | null = null;

  /**
   * A step that reaches memory (a walk, a load or store through the TLB, with the integrity
   * check that compares it to the primary PTE) touches the page table and the pages: DPOR must
   * see those accesses (src/sim/audit.ts).
   */
  private memoryStep(step: Step): Step {
    this.hw ??= [...this.mm.ptes, ...this.mm.pages.frames];
    step.touches = this.hw;
    return step;
  }

  /** Reads the TLB fault handle: the hardware's invalidate count at this moment. */
  *readFaultHandle(): Sim<number> {
    return (yield new Step(this, 'tfh_read', 'read')) as number;
  }

  /** The device reads or writes `addr` through the TLB: one step, as the hardware does it. */
  *access(addr: number, write: boolean, value = 0): Sim<DeviceAccessResult> {
    return (yield this.memoryStep(
      new Step(this, write ? 'device_write' : 'device_read', 'rmw', false, { addr, write, value }),
    )) as DeviceAccessResult;
  }

  override run(step: Step, _t: SimThread): unknown {
    switch (step.op) {
      case 'tlb_invalidate': {
        const { start, end } = step.arg as { start: number; end: number };
        this.invalidations++;
        let n = 0;
        for (const a of [...this.entries.keys()]) {
          if (a >= start && a < end) {
            this.entries.delete(a);
            n++;
          }
        }
        return n;
      }
      case 'tlb_install':
      case 'tlb_dropin': {
        const { addr, pfn, writable, since } = step.arg as {
          addr: number;
          pfn: number;
          writable: boolean;
          since: number;
        };
        if (since >= 0 && since !== this.invalidations) return false;
        this.entries.set(addr, { pfn, writable });
        return true;
      }
      case 'tfh_read':
        return this.invalidations;
      case 'tlb_walk_fill': {
        const { addr, walk } = step.arg as { addr: number; walk: () => DeviceTlbEntry | null };
        const e = walk();
        if (e) this.entries.set(addr, e);
        return e !== null;
      }
      default: {
        const { addr, write, value } = step.arg as { addr: number; write: boolean; value: number };
        const e = this.entries.get(addr);
        if (!e || (write && !e.writable)) return { ok: false } satisfies DeviceAccessResult;
        const page = this.mm.frame(e.pfn);
        this.onAccess?.({ addr, pfn: e.pfn, write, value });
        if (write) page.data = value;
        return { ok: true, value: page.data } satisfies DeviceAccessResult;
      }
    }
  }

  override snapshot(): unknown {
    return this.version;
  }

  override describe(step: Step, result: unknown): string {
    switch (step.op) {
      case 'tlb_invalidate': {
        const { start, end } = step.arg as { start: number; end: number };
        return `${this.name}: invalidate [${start}, ${end}) (${String(result)} entries)`;
      }
      case 'tlb_install':
      case 'tlb_dropin': {
        const { addr, pfn, writable } = step.arg as { addr: number; pfn: number; writable: boolean };
        const what = `${this.name}[${addr}] := page${pfn} ${writable ? 'rw' : 'ro'}`;
        return result === false
          ? `${what}: dropped (an invalidate hit since the fault handle was read)`
          : what;
      }
      case 'tfh_read':
        return `${this.name}: read fault handle (invalidations ${String(result)})`;
      case 'tlb_walk_fill': {
        const { addr } = step.arg as { addr: number };
        const e = this.entries.get(addr);
        return result && e
          ? `${this.name}: walk ${addr} -> page${e.pfn} ${e.writable ? 'rw' : 'ro'}, filled`
          : `${this.name}: walk ${addr}: no usable PTE`;
      }
      default: {
        const { addr, write, value } = step.arg as { addr: number; write: boolean; value: number };
        const r = result as DeviceAccessResult;
        const what = write ? `device write ${addr} := ${value}` : `device read ${addr}`;
        if (!r.ok) return `${this.name}: ${what}: TLB miss`;
        const e = this.entries.get(addr);
        return `${this.name}: ${what}${write ? '' : ` = ${r.value}`} via page${e ? e.pfn : '?'}`;
      }
    }
  }

  /** Every entry, for the checks (no steps). */
  *translations(): Generator<{
    where: string;
    addr: number;
    pfn: number;
    writable: boolean;
    cached: boolean;
  }> {
    for (const [addr, e] of this.entries) {
      yield { where: `${this.name}[${addr}]`, addr, pfn: e.pfn, writable: e.writable, cached: this.cached };
    }
  }
}
