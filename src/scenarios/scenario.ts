import type { Program } from '../sim/program.js';

/** What a scenario is built with: the notifier design and the secondary's bug flags. */
export interface ScenarioOptions {
  readonly design: string;
  readonly bugs: readonly string[];
}

/**
 * A named scenario: data the CLI lists and the explorer runs. `bugs` are the flags this
 * scenario exposes (every one must be found); `safeBugs` are flags of the same driver that
 * this scenario's operation cannot expose, each with the reason (the search verifies them).
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Kernel functions, commits or mails the scenario reproduces. */
  readonly reference: string;
  readonly secondary: string;
  readonly designs: readonly string[];
  readonly bugs: Readonly<Record<string, string>>;
  readonly safeBugs: Readonly<Record<string, string>>;
  /**
   * How the catalogue run (the main job) searches this scenario, when an exhaustive DPOR
   * search cannot finish it in time: a sampling strategy with a run bound, and why. The
   * correct driver's verdict is then `bounded`, and the table says so; never `verified`.
   */
  readonly catalogueSearch?: {
    readonly strategy: 'random' | 'pct';
    readonly runs: number;
    readonly why: string;
  };
  /**
   * The design the catalogue run uses (default: the first of `designs`): the one under which
   * the scenario's bug flags show (`mmulab compare` shows every design).
   */
  readonly catalogueDesign?: string;
  /**
   * Set when the scenario's point is that its driver, unmodified, cannot be correct in this
   * setting (an era whose ordering a sleeping callback cannot survive): why. The catalogue run
   * then expects a violation from the correct driver too.
   */
  readonly correctFails?: string;
  /** The threads of a run, in spawn order. */
  readonly threads: readonly string[];
  build(opts: ScenarioOptions): Program;
}
