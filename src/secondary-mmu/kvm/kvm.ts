import type { MmuNotifier, MmuNotifierOps } from '../../notifier/ops.js';
import type { Mm } from '../../primary/mm.js';
import type { MmuNotifierRange } from '../../primary/notify.js';
import { getUserPages, getUserPagesFastOnly } from '../../primary/ops/gup.js';
import { putPage } from '../../primary/page.js';
import type { Pte } from '../../primary/pte.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import type { Sim, SimObject } from '../../sim/step.js';
import { SpinLock, spinLockSection } from '../../sim/sync/spinlock.js';
import { fail } from '../../sim/violation.js';
import type { KvmBug } from './bugs.js';
import { guestAccessStep, type TlbEntry, VcpuTlbs } from './tlb.js';

/** A shadow PTE (SPTE): gfn to pfn, with the accessed and dirty bits the hardware sets. */
export interface Spte {
  readonly pfn: number;
  readonly writable: boolean;
  readonly accessed: boolean;
  readonly dirty: boolean;
}

/** What a check or hook learns of each guest access, inside the access step. */
export interface GuestAccess {
  readonly vcpu: number;
  readonly gfn: number;
  readonly pfn: number;
  readonly write: boolean;
  readonly value: number;
}

/**
 * A KVM-like secondary MMU (virt/kvm/kvm_main.c, arch/x86/kvm/mmu/mmu.c, 6.x shape): one
 * memslot mapping gfn n to the mm's page n, a shadow page table, mmu_lock and the
 * mmu_invalidate_seq / mmu_invalidate_in_progress pair. Written only against the notifier
 * API and the primary's get_user_pages().
 *
 * Left out: the gfn-range test of mmu_invalidate_retry_gfn (any invalidation in progress
 * makes a fault retry, as before 5.x's range tracking), mn_active_invalidate_count and
 * memslot updates, the lockless pre-check, huge pages, the TDP MMU's read-mode mmu_lock.
 */
export class Kvm implements MmuNotifier {
  readonly name = 'kvm';
  /** kvm->mmu_lock: protects the SPTEs' presence, the seq and in_progress. */
  readonly mmuLock = new SpinLock('kvm.mmuLock');
  /** kvm->mmu_invalidate_seq: bumped under mmuLock by each range_end. */
  readonly mmuInvalidateSeq = new Word('kvm.mmuInvalidateSeq', 0);
  /** kvm->mmu_invalidate_in_progress: starts minus ends, under mmuLock. */
  readonly mmuInvalidateInProgress = new Word('kvm.mmuInvalidateInProgress', 0);
  /** The SPTEs, by gfn. Presence changes under mmuLock; A/D bits are set by the hardware. */
  readonly spt: Word<Spte | null>[];
  readonly tlbs: VcpuTlbs;
  /** Set by ->release: no SPTE may be created afterwards. Under mmuLock. */
  released = false;
  /** A flush range_start left to range_end (bug put-page-before-flush). Under mmuLock. */
  private flushPending = false;
  /** Called inside every guest access step (the data-integrity and aging checks). */
  onGuestAccess: ((a: GuestAccess) => void) | null = null;
  readonly ops: MmuNotifierOps;
  /** Everything an mmu_lock section may touch, for DPOR (see Step.touches). */
  readonly footprint: readonly SimObject[];
  /** What a guest access may touch besides the TLBs: the SPTEs and any page. */
  private readonly accessFootprint: readonly SimObject[];

  constructor(
    readonly mm: Mm,
    readonly bugs: ReadonlySet<KvmBug> = new Set(),
  ) {
    this.spt = Array.from(
      { length: mm.ptes.length },
      (_, g) => new Word<Spte | null>(`kvm.spte[${g}]`, null),
    );
    this.tlbs = new VcpuTlbs('kvm.vcpuTlbs', {
      walk: (_vcpu, gfn, write) => {
        const w = this.spt[gfn]!;
        const s = w.value;
        if (!s || (write && !s.writable)) return null;
        w.value = { ...s, accessed: true, dirty: s.dirty || write };
        return { pfn: s.pfn, writable: s.writable };
      },
      access: (vcpu, gfn, e: TlbEntry, write, value) => {
        const page = this.mm.frame(e.pfn);
        this.onGuestAccess?.({ vcpu, gfn, pfn: e.pfn, write, value });
        if (write) page.data = value;
        return page.data;
      },
    });
    this.footprint = [this.mmuInvalidateSeq, this.mmuInvalidateInProgress, ...this.spt, this.tlbs];
    // The data-integrity check inside a guest access reads the primary PTE as well.
    this.accessFootprint = [...this.spt, ...mm.pages.frames, ...mm.ptes];
    this.ops = {
      invalidateRangeStart: (range) => this.invalidateRangeStart(range),
      invalidateRangeEnd: (range) => this.invalidateRangeEnd(range),
      clearFlushYoung: (start, end) => this.age(start, end, true, true),
      clearYoung: (start, end) => this.age(start, end, true, false),
      testYoung: (addr) => this.age(addr, addr + 1, false, false),
      release: () => this.release(),
      changePte: (addr, pte) => this.changePte(addr, pte),
    };
  }

  /** For the checks (src/check SecondaryView): the notifier subscriber is the VM itself. */
  get subscriber(): MmuNotifier {
    return this;
  }

  /** Every SPTE and vCPU TLB entry, read without steps (for invariants). */
  *translations(): Generator<{
    where: string;
    addr: number;
    pfn: number;
    writable: boolean;
    cached: boolean;
  }> {
    for (let g = 0; g < this.spt.length; g++) {
      const s = this.spt[g]!.value;
      if (s) yield { where: `kvm.spte[${g}]`, addr: g, pfn: s.pfn, writable: s.writable, cached: false };
    }
    for (const [key, e] of this.tlbs.entries) {
      const [vcpu, gfn] = key.split(':');
      yield {
        where: `kvm vcpu${vcpu} TLB entry for gfn ${gfn}`,
        addr: Number(gfn),
        pfn: e.pfn,
        writable: e.writable,
        cached: true,
      };
    }
  }

  invalidationsInProgress(): number {
    return this.mmuInvalidateInProgress.value;
  }

  has(bug: KvmBug): boolean {
    return this.bugs.has(bug);
  }

  /** kvm_unmap_gfn_range(): clears the SPTEs of the range; true if any was present. */
  private *unmapGfnRange(start: number, end: number, locked: boolean): Sim<boolean> {
    let flush = false;
    for (let g = start; g < end && g < this.spt.length; g++) {
      // Under mmuLock presence cannot change, so absent SPTEs cost no step.
      if (locked && this.spt[g]!.value === null) continue;
      const old = yield* this.spt[g]!.update(() => null);
      if (old) flush = true;
    }
    return flush;
  }

  /** kvm_unmap_gfn_range() inside an mmu_lock section (no steps); true if any SPTE went. */
  private zapLocked(start: number, end: number): boolean {
    let flush = false;
    for (let g = start; g < end && g < this.spt.length; g++) {
      if (this.spt[g]!.value === null) continue;
      this.spt[g]!.value = null;
      flush = true;
    }
    return flush;
  }

  /** kvm_flush_remote_tlbs() */
  *flushRemoteTlbs(): Sim<void> {
    yield this.tlbs.flushStep;
  }

  /**
   * kvm_mmu_notifier_invalidate_range_start(): under mmu_lock, kvm_mmu_invalidate_begin
   * (in_progress++) then the SPTEs of the range are zapped and the remote TLBs flushed before
   * the lock is dropped. From here until range_end every fault retries, which is what lets the
   * primary free the pages after start returns. Never fails, never sleeps.
   */
  *invalidateRangeStart(range: MmuNotifierRange): Sim<0> {
    if (this.has('zap-outside-lock')) {
      if (yield* this.unmapGfnRange(range.start, range.end, false)) yield* this.flushRemoteTlbs();
      yield* spinLockSection(
        this.mmuLock,
        'kvm_mmu_invalidate_begin',
        () => {
          this.mmuInvalidateInProgress.value++;
        },
        undefined,
        this.footprint,
      );
      return 0;
    }
    yield* spinLockSection(
      this.mmuLock,
      'kvm_mmu_invalidate_begin; kvm_unmap_gfn_range; kvm_flush_remote_tlbs',
      () => {
        this.mmuInvalidateInProgress.value++;
        if (this.has('seq-bump-at-start')) this.mmuInvalidateSeq.value++;
        if (!this.zapLocked(range.start, range.end)) return 'nothing mapped';
        if (this.has('put-page-before-flush')) {
          this.flushPending = true;
          return 'SPTEs zapped, TLB flush left to range_end';
        }
        this.tlbs.entries.clear();
        return 'SPTEs zapped, remote TLBs flushed';
      },
      (r) =>
        `kvm_mmu_invalidate_begin (in_progress ${this.mmuInvalidateInProgress.value}${this.has('seq-bump-at-start') ? `, seq ${this.mmuInvalidateSeq.value}` : ''}); kvm_unmap_gfn_range [${range.start}, ${range.end}): ${r}`,
      this.footprint,
    );
    return 0;
  }

  /**
   * kvm_mmu_notifier_invalidate_range_end() → kvm_mmu_invalidate_end(): under mmu_lock,
   * seq++ then (smp_wmb) in_progress--. A fault that read the seq before this bump and
   * checks after it sees the change and retries. Pairs with the check in faultinPfn.
   */
  *invalidateRangeEnd(_range: MmuNotifierRange): Sim<void> {
    const left = yield* spinLockSection(
      this.mmuLock,
      'kvm_mmu_invalidate_end',
      () => {
        if (!this.has('seq-bump-at-start')) this.mmuInvalidateSeq.value++;
        const n = --this.mmuInvalidateInProgress.value;
        if (this.flushPending) {
          this.flushPending = false;
          this.tlbs.entries.clear();
        }
        return n;
      },
      (n) =>
        `kvm_mmu_invalidate_end (seq ${this.mmuInvalidateSeq.value}, in_progress ${n})${this.has('put-page-before-flush') ? '; kvm_flush_remote_tlbs' : ''}`,
      this.footprint,
    );
    if (left < 0) fail('pairing', `kvm: mmu_invalidate_in_progress is ${left} after range_end (KVM_BUG_ON)`);
  }

  /**
   * kvm_mmu_notifier_clear_flush_young / clear_young / test_young: under mmu_lock (a
   * spinning lock, as the caller holds the primary PT lock), the SPTEs' accessed bits are
   * tested and, unless testing, cleared; clear_flush_young flushes the TLBs if any was young
   * so the next access walks and sets the bit again (no CONFIG_KVM_ELIDE_TLB_FLUSH_IF_YOUNG).
   */
  *age(start: number, end: number, clear: boolean, flush: boolean): Sim<boolean> {
    return yield* spinLockSection(
      this.mmuLock,
      clear ? (flush ? 'kvm_age_gfn + flush' : 'kvm_age_gfn') : 'kvm_test_age_gfn',
      () => {
        let young = false;
        for (let g = start; g < end && g < this.spt.length; g++) {
          const s = this.spt[g]!.value;
          if (!s?.accessed) continue;
          young = true;
          if (clear) this.spt[g]!.value = { ...s, accessed: false };
        }
        if (young && flush) this.tlbs.entries.clear();
        return young;
      },
      (young) =>
        `${clear ? 'kvm_age_gfn' : 'kvm_test_age_gfn'} [${start}, ${end}): ${young ? 'young' : 'old'}${young && flush ? '; kvm_flush_remote_tlbs' : ''}`,
      this.footprint,
    );
  }

  /**
   * kvm_mmu_notifier_change_pte() → kvm_set_spte_gfn (2.6.32–6.8): under mmu_lock, seq++ (until
   * 5.13), then the gfn's SPTE, if there is one, follows the new PTE: dropped if the new PTE is
   * writable (a COW break), else pointed at the new pfn read-only (KSM); the TLBs flushed. It
   * never creates an SPTE. Since 3.7 the primary's range_start has zapped the SPTE already, so
   * the handler finds none: dead code until its removal in 6.9.
   */
  *changePte(addr: number, pte: Pte): Sim<void> {
    yield* spinLockSection(
      this.mmuLock,
      'kvm_mmu_notifier_change_pte',
      () => {
        if (!this.has('change-pte-no-seq-bump')) this.mmuInvalidateSeq.value++;
        const w = this.spt[addr];
        const s = w?.value;
        if (!w || !s) return 'no SPTE';
        w.value = pte.write ? null : { pfn: pte.pfn, writable: false, accessed: s.accessed, dirty: false };
        this.tlbs.entries.clear();
        return pte.write ? 'SPTE dropped' : `SPTE -> page${pte.pfn} ro`;
      },
      (r) =>
        `kvm_mmu_notifier_change_pte(${addr})${this.has('change-pte-no-seq-bump') ? '' : ` (seq ${this.mmuInvalidateSeq.value})`}: ${r}`,
      this.footprint,
    );
  }

  /** kvm_mmu_notifier_release() → kvm_flush_shadow_all(): every SPTE gone, none created after. */
  *release(): Sim<void> {
    yield* spinLockSection(
      this.mmuLock,
      'kvm_flush_shadow_all',
      () => {
        this.released = true;
        if (this.zapLocked(0, this.spt.length)) this.tlbs.entries.clear();
      },
      undefined,
      this.footprint,
    );
  }

  /**
   * The vCPU fault path (kvm_mmu_faultin_pfn + direct_page_fault, x86): snapshot
   * mmu_invalidate_seq (then smp_rmb) *before* resolving the pfn; the lockless pre-check of
   * in_progress (6.10+); hva_to_pfn: gup-fast, else get_user_pages() (may sleep,
   * may fault the primary); mmu_lock; is_page_fault_stale(): retry if an invalidation is in
   * progress or the seq moved; else install the SPTE; unlock; drop the gup reference
   * (kvm_release_faultin_page). The SPTE holds no page reference: only the notifier keeps it
   * coherent. Returns false when the hva has no page (-EFAULT, an exit to userspace).
   */
  *faultinPfn(gfn: number, write: boolean): Sim<boolean> {
    const kvm = this;
    return yield* retryLoop(function* () {
      const mmuSeq = yield* kvm.mmuInvalidateSeq.read();
      // 6.10+: mmu_invalidate_retry_gfn_unsafe() before faulting in the pfn, a lockless
      // early retry while an invalidation is in progress (the check under mmu_lock decides).
      // Under sequential consistency the pre-check alone closes the window a seq bump at start
      // opens, so the seq-bump-at-start variant models the fault path before 6.10, without it.
      if (!kvm.has('no-retry-check') && !kvm.has('seq-bump-at-start')) {
        if ((yield* kvm.mmuInvalidateInProgress.read()) > 0) return RETRY;
      }
      // hva_to_pfn(): the fast path, else get_user_pages_unlocked().
      const pfn =
        (yield* getUserPagesFastOnly(kvm.mm, gfn, write)) || (yield* getUserPages(kvm.mm, gfn, write));
      if (pfn === 0) return false;
      const page = kvm.mm.frame(pfn);
      // The mmu_lock section as one step: the check and the install see no other thread.
      const r = yield* spinLockSection(
        kvm.mmuLock,
        'is_page_fault_stale; install SPTE',
        () => {
          if (kvm.released) return 'released';
          if (!kvm.has('no-retry-check')) {
            // mmu_invalidate_retry(): in_progress, smp_rmb, seq; both written under mmuLock only.
            const stale =
              kvm.mmuInvalidateInProgress.locked() > 0 || kvm.mmuInvalidateSeq.locked() !== mmuSeq;
            if (stale) return 'stale';
          }
          kvm.spt[gfn]!.value = { pfn, writable: write, accessed: true, dirty: write };
          return 'installed';
        },
        (x) =>
          x === 'installed'
            ? `kvm.spte[${gfn}] := page${pfn} ${write ? 'rw' : 'ro'}`
            : x === 'stale'
              ? `fault is stale (in_progress ${kvm.mmuInvalidateInProgress.value}, seq ${kvm.mmuInvalidateSeq.value}, snapshot ${mmuSeq}): retry`
              : 'VM released: no SPTE',
        [kvm.spt[gfn]!, kvm.mmuInvalidateSeq, kvm.mmuInvalidateInProgress],
      );
      if (r !== 'installed') {
        yield* putPage(page);
        return r === 'stale' ? RETRY : false;
      }
      yield* putPage(page);
      return true;
    });
  }

  /**
   * A guest load or store at `gfn` on `vcpu`: through the TLB, else the SPTE; an EPT
   * violation runs the fault path and the access is retried. Returns the value read (or
   * written), or null if the fault found no page.
   */
  *guestAccess(vcpu: number, gfn: number, write: boolean, value = 0): Sim<number | null> {
    for (;;) {
      const r = yield* guestAccessStep(this.tlbs, vcpu, gfn, write, value, this.accessFootprint);
      if (r.ok) return r.value;
      if (!(yield* this.faultinPfn(gfn, write))) return null;
    }
  }
}
