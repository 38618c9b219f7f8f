import { accessAudit } from '../../sim/audit.js';
import { type Sim, SimObject, Step } from '../../sim/step.js';
import type { SimThread } from '../../sim/thread.js';

/** A translation a vCPU's TLB caches: gfn to pfn, with the SPTE's write permission. */
export interface TlbEntry {
  readonly pfn: number;
  readonly writable: boolean;
}

/** What a guest access found: done (with the value read), or an EPT violation (a fault). */
export type GuestAccessResult = { readonly ok: true; readonly value: number } | { readonly ok: false };

/** Performs a guest access through a translation; the KVM object supplies the walk. */
export interface GuestWalker {
  walk(vcpu: number, gfn: number, write: boolean): TlbEntry | null;
  access(vcpu: number, gfn: number, entry: TlbEntry, write: boolean, value: number): number;
}

/**
 * The vCPUs' TLBs: what a guest access uses before the shadow page table. An entry outlives
 * its SPTE until kvm_flush_remote_tlbs(); that window is what seed 003's ordering is about.
 * A guest access is one step: the hardware walk, the A/D bits and the memory access are one
 * atomic action of the CPU.
 */
export class VcpuTlbs extends SimObject {
  private readonly map = new Map<string, TlbEntry>();
  /**
   * The cached translations, by `vcpu:gfn`. Reported to the access audit (src/sim/audit.ts) as
   * a read on every use, a change included: an entry changes only in steps on this object
   * (or mmu_lock sections that declare it), and an invariant that reads it must declare it.
   */
  get entries(): Map<string, TlbEntry> {
    if (accessAudit !== null) accessAudit(this, false);
    return this.map;
  }
  readonly flushStep = new Step(this, 'kvm_flush_remote_tlbs', 'write');

  constructor(
    name: string,
    private readonly walker: GuestWalker,
  ) {
    super(name);
  }

  entry(vcpu: number, gfn: number): TlbEntry | undefined {
    return this.entries.get(`${vcpu}:${gfn}`);
  }

  override run(step: Step, _t: SimThread): unknown {
    if (step === this.flushStep) {
      this.entries.clear();
      return undefined;
    }
    const { vcpu, gfn, write, value } = step.arg as {
      vcpu: number;
      gfn: number;
      write: boolean;
      value: number;
    };
    const key = `${vcpu}:${gfn}`;
    let e = this.entries.get(key);
    if (!e || (write && !e.writable)) {
      const walked = this.walker.walk(vcpu, gfn, write);
      if (!walked) return { ok: false } satisfies GuestAccessResult;
      e = walked;
      this.entries.set(key, e);
    }
    return { ok: true, value: this.walker.access(vcpu, gfn, e, write, value) } satisfies GuestAccessResult;
  }

  override describe(step: Step, result: unknown): string {
    if (step === this.flushStep) return 'kvm_flush_remote_tlbs()';
    const { vcpu, gfn, write, value } = step.arg as {
      vcpu: number;
      gfn: number;
      write: boolean;
      value: number;
    };
    const r = result as GuestAccessResult;
    const what = write ? `guest write gfn ${gfn} := ${value}` : `guest read gfn ${gfn}`;
    if (!r.ok) return `vcpu${vcpu} ${what}: EPT violation (no usable SPTE)`;
    const e = this.entry(vcpu, gfn);
    return `vcpu${vcpu} ${what}${write ? '' : ` = ${r.value}`} via page${e ? e.pfn : '?'}`;
  }
}

export function* guestAccessStep(
  tlbs: VcpuTlbs,
  vcpu: number,
  gfn: number,
  write: boolean,
  value: number,
  touches: readonly SimObject[],
): Sim<GuestAccessResult> {
  const step = new Step(tlbs, write ? 'guest_write' : 'guest_read', 'rmw', false, {
    vcpu,
    gfn,
    write,
    value,
  });
  // The walk reads and sets A/D bits in the SPTE, and the access reads or writes a page.
  step.touches = touches;
  return (yield step) as GuestAccessResult;
}
