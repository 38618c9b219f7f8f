/**
 * From absolute addresses to rendered ones (LANGUAGE.md §2; uffd_oracle.c `render_addr`): an
 * address inside a name's 128-page slot is `NAME:P[+B]` relative to that name's page 0 (slot page
 * 32), with P rounded towards minus infinity; the first name (in definition order) whose slot
 * holds it wins; anything else is absolute.
 */
import type { ResultAddress } from './result.js';
import { SLOT_HEAD_PAGES, SLOT_PAGES, UFFD_SCRIPT_PAGE_SIZE } from './syntax.js';

export interface SlotBase {
  readonly name: string;
  /** The address of `NAME:0`. */
  readonly base: bigint;
}

export function locateAddress(slots: readonly SlotBase[], address: bigint): ResultAddress {
  const ps = BigInt(UFFD_SCRIPT_PAGE_SIZE);
  for (const { name, base } of slots) {
    const slot0 = base - BigInt(SLOT_HEAD_PAGES) * ps;
    if (address >= slot0 && address < slot0 + BigInt(SLOT_PAGES) * ps) {
      const off = address - base;
      const page = off >= 0n ? off / ps : -((-off + ps - 1n) / ps);
      return { mapping: name, page: Number(page), offset: Number(off - page * ps) };
    }
  }
  return { absolute: address };
}
