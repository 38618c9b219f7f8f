import { AgingOracle } from '../check/aging.js';
import { watchCoherence } from '../check/index.js';
import { checkSecondaryWrite } from '../check/integrity.js';
import { MmulabError } from '../errors.js';
import { makeChain } from '../notifier/designs.js';
import type { Mm } from '../primary/mm.js';
import { deviceAccess } from '../scenarios/races/driver-world.js';
import type { SecondaryMmuDriver } from '../secondary-mmu/define.js';
import { gru } from '../secondary-mmu/gru/gru.js';
import { hmm } from '../secondary-mmu/hmm/hmm.js';
import { iommuSva } from '../secondary-mmu/iommu/iommu.js';
import { kvmBugs, parseKvmBugs } from '../secondary-mmu/kvm/bugs.js';
import { Kvm } from '../secondary-mmu/kvm/kvm.js';
import type { Runtime } from '../sim/runtime.js';
import type { Sim } from '../sim/step.js';

/** A secondary attached to one run's mm, its checks installed: what the device threads drive. */
export interface AttachedSecondary {
  /** Device (vCPU) `i`'s load or store at `addr`; the value, or null when the fault found no page. */
  access(i: number, addr: number, write: boolean, value: number): Sim<number | null>;
  /** The aging check, when the secondary reports accesses (KVM's accessed bits). */
  readonly aging?: AgingOracle;
}

/** A secondary MMU the fuzzer can attack: its bug flags and how to attach it to an mm. */
export interface FuzzTarget {
  readonly name: string;
  readonly bugs: Readonly<Record<string, string>>;
  /** The notifier design it runs on. */
  readonly design: string;
  /** Device threads' name in traces and workloads: `vcpu` for KVM, else `device`. */
  readonly deviceLabel: string;
  /** Subscribes the secondary before the run (a fixed subscriber list) and installs the checks. */
  attach(rt: Runtime, mm: Mm, bugs: readonly string[]): AttachedSecondary;
}

/**
 * KVM: one memslot mapping gfn n to page n, each device thread a vCPU. The checks are the
 * kvm scenarios': coherence, stale translation, pairing, data integrity of guest stores,
 * and aging (a guest access since the last aging must make clear_flush_young report young).
 */
export const kvmTarget: FuzzTarget = {
  name: 'kvm',
  bugs: kvmBugs,
  design: 'classic',
  deviceLabel: 'vcpu',
  attach(rt, mm, names) {
    const chain = makeChain('classic', mm, { staticSubscribers: true });
    const kvm = new Kvm(mm, parseKvmBugs(names));
    chain.registerAtSetup(kvm);
    const aging = new AgingOracle();
    kvm.onGuestAccess = (a) => {
      aging.noteAccess(a.pfn);
      if (a.write) checkSecondaryWrite(mm, chain, `kvm vcpu${a.vcpu}`, a.gfn, a.pfn, a.value);
    };
    watchCoherence(rt, mm, chain, [kvm]);
    return { access: (i, addr, write, value) => kvm.guestAccess(i, addr, write, value), aging };
  },
};

/**
 * A driver written with defineSecondaryMmu (or the SecondaryMmuDriver interface): one device
 * whose threads share its TLB, with the standard workloads' checks (src/scenarios/races/driver-world.ts).
 */
export function driverTarget(driver: SecondaryMmuDriver, name = driver.name): FuzzTarget {
  const design = driver.designs[0] ?? 'classic';
  return {
    name,
    bugs: driver.bugs,
    design,
    deviceLabel: 'device',
    attach(rt, mm, names) {
      const chain = makeChain(design, mm, { staticSubscribers: true });
      const dev = driver.create(mm, names);
      dev.attach(chain);
      dev.tlb.onAccess = (a) => {
        if (a.write)
          checkSecondaryWrite(mm, chain, `${dev.name} device`, a.addr, a.pfn, a.value, dev.tlb.cached);
      };
      watchCoherence(rt, mm, chain, [dev]);
      return { access: (_i, addr, write, value) => deviceAccess(dev, addr, write, value) };
    },
  };
}

/** The built-in secondaries, by the name `mmulab fuzz <secondary>` takes. */
export const fuzzTargets: Readonly<Record<string, FuzzTarget>> = {
  kvm: kvmTarget,
  gru: driverTarget(gru),
  iommu: driverTarget(iommuSva, 'iommu'),
  hmm: driverTarget(hmm),
};

export function findFuzzTarget(name: string): FuzzTarget {
  const t = fuzzTargets[name];
  if (!t) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `unknown secondary '${name}' (valid: ${Object.keys(fuzzTargets).join(', ')}, or --driver ./driver.ts)`,
    );
  }
  return t;
}

/** Checks bug names against the target's table before any run. */
export function checkBugs(target: FuzzTarget, bugs: readonly string[]): void {
  for (const b of bugs) {
    if (!Object.hasOwn(target.bugs, b)) {
      throw new MmulabError(
        'MMULAB_UNKNOWN_BUG',
        `unknown bug '${b}' for ${target.name} (valid: ${Object.keys(target.bugs).join(', ') || 'none'})`,
      );
    }
  }
}
