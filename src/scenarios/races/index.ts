import type { Scenario } from '../scenario.js';
import { gruDontneed, gruMunmap } from './gru.js';
import { gruRegister } from './gru-register.js';

/** The historical-race scenarios (docs/races.md), in the order `mmulab list` shows them. */
export const races: readonly Scenario[] = [gruDontneed, gruMunmap, gruRegister];
