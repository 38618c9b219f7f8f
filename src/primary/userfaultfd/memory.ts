/**
 * The address space the userfaultfd model works on: byte-addressed pages of 4 KiB, VMAs with the
 * uffd fields of `struct vm_area_struct` (`vm_userfaultfd_ctx`, VM_UFFD_MISSING/WP/MINOR), one
 * page table of PTEs (present, or a PTE marker: uffd-wp or poison, mm/userfaultfd.c 6.18), and
 * shmem inodes with a page cache. It sits beside src/primary's page-number Mm (docs/userfaultfd.md
 * says why): the `.uffd` scripts need byte offsets, shmem aliases, mremap and fork children.
 */
import type { UffdCtx } from './ctx.js';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12n;

/** A page frame (`struct folio` of one page). */
export class PageFrame {
  readonly data = new Uint8Array(PAGE_SIZE);
  constructor(readonly isZeroPage = false) {}
  copy(): PageFrame {
    const f = new PageFrame();
    f.data.set(this.data);
    return f;
  }
}

/** `ZERO_PAGE(0)`: the shared zero page that read faults on anonymous memory map. */
export const ZERO_PAGE = new PageFrame(true);

export type Pte =
  | {
      readonly kind: 'present';
      frame: PageFrame;
      /** `_PAGE_UFFD_WP` (bit 57 in pagemap): a write takes a uffd-wp fault. */
      uffdWp: boolean;
      /** The frame is not this mapping's own: the zero page, or a page-cache page of a MAP_PRIVATE file mapping. */
      cow: boolean;
    }
  | {
      readonly kind: 'marker';
      /** PTE_MARKER_UFFD_WP (6.0). */
      readonly uffdWp: boolean;
      /** PTE_MARKER_POISONED (6.6, UFFDIO_POISON). */
      readonly poison: boolean;
    };

/** A shmem inode (memfd, or the one shmem_zero_setup() makes for MAP_SHARED|MAP_ANONYMOUS). */
export class ShmemInode {
  readonly cache = new Map<number, PageFrame>();
  constructor(
    /** i_size in pages. */
    public size: number,
  ) {}
}

export interface Prot {
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
}

/** The uffd part of a VMA: `vm_userfaultfd_ctx.ctx` and the VM_UFFD_* flags. */
export interface VmUffd {
  ctx: UffdCtx | null;
  missing: boolean;
  wp: boolean;
  minor: boolean;
}

export const NULL_VM_UFFD: Readonly<VmUffd> = { ctx: null, missing: false, wp: false, minor: false };

export class Vma {
  constructor(
    /** First page number. */
    public start: number,
    /** Page number after the last page. */
    public end: number,
    public prot: Prot,
    /** VM_SHARED */
    readonly shared: boolean,
    /** The shmem inode behind a file (or shared anonymous) mapping; null for private anonymous memory. */
    readonly inode: ShmemInode | null,
    /** vm_pgoff of `start`. */
    public pgoff: number,
    /** VM_MAYWRITE: false for a shared mapping of a read-only fd. */
    readonly mayWrite: boolean,
    public uffd: VmUffd = { ...NULL_VM_UFFD },
  ) {}

  /** VM_DONTCOPY (MADV_DONTFORK): fork leaves the VMA out of the child. */
  dontCopy = false;
  /** VM_WIPEONFORK (MADV_WIPEONFORK): the child gets the VMA without its pages. */
  wipeOnFork = false;

  /** vma_is_anonymous() */
  get isAnonymous(): boolean {
    return this.inode === null;
  }

  /** vma_is_shmem() */
  get isShmem(): boolean {
    return this.inode !== null;
  }

  pgoffOf(page: number): number {
    return this.pgoff + (page - this.start);
  }

  clone(): Vma {
    return new Vma(this.start, this.end, this.prot, this.shared, this.inode, this.pgoff, this.mayWrite, {
      ...this.uffd,
    });
  }

  clearUffd(): void {
    this.uffd = { ...NULL_VM_UFFD };
  }
}

/** A process address space: `struct mm_struct` as far as userfaultfd needs it. */
export class UffdMm {
  /** Sorted by start, never overlapping. */
  vmas: Vma[] = [];
  readonly pt = new Map<number, Pte>();
  /** mm_users: 0 once the process exited (mmget_not_zero fails). */
  users = 1;

  constructor(readonly name: string) {}

  /** vma_lookup(): the VMA containing `page`. */
  findVma(page: number): Vma | undefined {
    return this.vmas.find((v) => v.start <= page && page < v.end);
  }

  /** The VMAs intersecting [start, end), in address order (for_each_vma_range). */
  vmasIn(start: number, end: number): Vma[] {
    return this.vmas.filter((v) => v.start < end && v.end > start);
  }

  /** split_vma() at `page` if a VMA straddles it. */
  splitAt(page: number): void {
    const v = this.vmas.find((x) => x.start < page && page < x.end);
    if (!v) return;
    const tail = v.clone();
    tail.start = page;
    tail.pgoff = v.pgoffOf(page);
    v.end = page;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, tail);
  }

  /** The VMAs of [start, end), split so that each lies inside it. */
  isolate(start: number, end: number): Vma[] {
    this.splitAt(start);
    this.splitAt(end);
    return this.vmasIn(start, end);
  }

  insert(v: Vma): void {
    this.vmas.push(v);
    this.vmas.sort((a, b) => a.start - b.start);
  }

  /** Removes VMAs and PTEs of [start, end) (the unmap half of munmap). */
  unmapRange(start: number, end: number): void {
    for (const v of this.isolate(start, end)) this.vmas.splice(this.vmas.indexOf(v), 1);
    this.zapRange(start, end);
  }

  /** zap_page_range_single(): drops the PTEs of [start, end). */
  zapRange(start: number, end: number): void {
    for (const p of [...this.pt.keys()]) if (p >= start && p < end) this.pt.delete(p);
  }

  /** pte_none_mostly(): none, or only a marker. */
  pteNoneMostly(page: number): boolean {
    const pte = this.pt.get(page);
    return pte === undefined || pte.kind === 'marker';
  }
}
