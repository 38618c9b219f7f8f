/**
 * A page-table entry of the primary MMU (pte_t). Frozen records, compared field by field, so
 * that a retry loop that read a PTE can tell whether it changed.
 */
export interface Pte {
  readonly pfn: number;
  readonly present: boolean;
  readonly write: boolean;
  readonly young: boolean;
  readonly dirty: boolean;
}

/** pte_none() */
export const PTE_NONE: Pte = Object.freeze({
  pfn: 0,
  present: false,
  write: false,
  young: false,
  dirty: false,
});

export function mkPte(pfn: number, write: boolean, young = true, dirty = false): Pte {
  return Object.freeze({ pfn, present: true, write, young, dirty });
}

export function pteWith(p: Pte, change: Partial<Pte>): Pte {
  return Object.freeze({ ...p, ...change });
}

export function fmtPte(p: Pte): string {
  if (!p.present) return 'none';
  return `pfn ${p.pfn} ${p.write ? 'rw' : 'ro'}${p.young ? ' young' : ''}${p.dirty ? ' dirty' : ''}`;
}
