import type { Scenario } from '../scenario.js';
import { eraRaces } from './eras.js';
import { gruDontneed, gruFork, gruMunmap } from './gru.js';
import { gruRegister } from './gru-register.js';
import { hmmMunmap, hmmOomReap, hmmRemove } from './hmm.js';
import { iommuDontneed, iommuMunmap, iommuMunmap413 } from './iommu.js';
import { kvmMemslot, kvmPfncache } from './kvm-memslot.js';
import { odpDeregReclaim } from './odp-reclaim.js';
import { overlappingStarts } from './overlapping-starts.js';
import { clearRefsSoftDirty, khugepagedRetract } from './primary-ops.js';

/** The historical-race scenarios (docs/races.md), in the order `mmulab list` shows them. */
export const races: readonly Scenario[] = [
  gruDontneed,
  gruMunmap,
  gruFork,
  gruRegister,
  iommuMunmap,
  iommuDontneed,
  hmmMunmap,
  hmmOomReap,
  clearRefsSoftDirty,
  khugepagedRetract,
  iommuMunmap413,
  ...eraRaces,
  odpDeregReclaim,
  overlappingStarts,
  hmmRemove,
  kvmMemslot,
  kvmPfncache,
];
