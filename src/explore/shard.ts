import { MmulabError } from '../errors.js';
import type { Program } from '../sim/program.js';
import { Runtime, type Scheduler } from '../sim/runtime.js';
import type { SimThread } from '../sim/thread.js';
import type { Violation } from '../sim/violation.js';
import { type ExploreOptions, explore, shrunk } from './explorer.js';
import { DporStrategy } from './strategies/dpor.js';
import { makeStrategy, type StrategyOptions } from './strategies/index.js';
import { PctStrategy } from './strategies/pct.js';
import type { Strategy } from './strategy.js';
import type { Cut, ShrinkInfo, Verdict } from './verdict.js';
import { recordingStrategy } from './watch-shared.js';

/** Shard i of n (0-based i). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** Parses `--shard i/n` (0 <= i < n). */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(m && count >= 1 && index < count && Number.isSafeInteger(count))) {
    throw new MmulabError(
      'MMULAB_BAD_OPTION',
      `--shard must be i/n with 0 <= i < n (shard 0/4 is the first of four), got '${text}'`,
    );
  }
  return { index, count };
}

export interface ShardOptions extends StrategyOptions {
  readonly strategy: string;
  readonly shard: ShardSpec;
  /** random/pct: run indices below this over all shards; dfs/dpor: runs of this shard at most. */
  readonly maxRuns?: number;
  readonly maxSteps?: number;
  readonly timeLimitMs?: number;
  readonly shrink?: boolean;
  /** dpor: prefixes the search is split into (the same for every shard count; default 16). */
  readonly units?: number;
  /**
   * Workers share the lowest violation key found so far: a shard stops once its next run
   * (random, pct) or unit (dpor) has a higher key, since it can no longer win.
   */
  readonly stopAbove?: () => number;
  /**
   * This shard's partial result from an interrupted run of the same search (`--workers`
   * with `--out`, then `--resume`): random/pct continue after its runs; dpor keeps its
   * finished units and searches the others (a unit cut midway is searched again whole).
   */
  readonly resume?: ShardResult;
  /** A shard on a watched worker thread (src/explore/watch-shards.ts). */
  readonly watch?: ShardWatch;
}

/**
 * What a watched shard tells its watcher, so that a run that stops returning (a driver loop
 * that never yields) can be reported as this shard's violation without the shard's help.
 */
export interface ShardWatch {
  /** Wraps every run's scheduler, the dpor units' probes and pct's calibration run included. */
  record(s: Scheduler): Scheduler;
  /**
   * Before each run: the key and runs-in-unit it would have as a ShardViolation, and this
   * shard's runs and steps before it. Before the search proper (dpor's unit probes, pct's
   * calibration: the same in every shard) the key is 0, in the first run.
   */
  next(at: number, runsInUnit: number, runs: number, steps: number): void;
  /** A dpor unit this shard finished (or a bound ended), as its result will list it. */
  unit(u: ShardUnit): void;
  /**
   * The shard's result with its violation as found, before shrinking (whose runs are not
   * recorded), then null once shrinking is over: a shrink that hangs leaves this result.
   */
  shrinking(found: ShardResult | null): void;
}

/** A found violation and where it lies in the split search (lower `at` wins a merge). */
export interface ShardViolation {
  /** The global run index (random, pct) or unit index (dpor). */
  readonly at: number;
  /** dpor: runs in its unit up to and including the violating one. */
  readonly runsInUnit: number;
  readonly violation: Violation;
  readonly token: string;
  readonly shrink?: ShrinkInfo;
}

/** A dpor unit a shard ran: `end` once it finished (its share of the proof) or the bound cut it. */
export interface ShardUnit {
  readonly index: number;
  readonly runs: number;
  readonly steps: number;
  readonly end?: 'complete' | 'preemptions';
}

/** What one shard writes (`--shard i/n`, one JSON file) and what `merge` reads. */
export interface ShardResult {
  readonly format: 'mmulab-shard/1';
  readonly program: string;
  readonly strategy: string;
  readonly exhaustive: boolean;
  readonly shard: ShardSpec;
  /** The options that shape the split: shards of one search must agree on them. */
  readonly options: { readonly seed: number | null; readonly depth: number | null; readonly units: number };
  /** complete: its whole share ran (no violation); cut: a bound stopped it; violation. */
  readonly status: 'complete' | 'cut' | 'violation';
  readonly cut: Cut | null;
  readonly runs: number;
  readonly steps: number;
  readonly ms: number;
  /** dpor: the units this shard finished or ended in, with their runs. */
  readonly units: readonly ShardUnit[];
  readonly violation: ShardViolation | null;
}

export const DEFAULT_UNITS = 16;
/** A unit whose dpor search ends within this many runs is small: it is not split further. */
export const PROBE_RUNS = 32;
const MAX_UNIT_DEPTH = 32;

/**
 * The prefixes a dpor search is split into, in lexicographic order. A prefix forces the
 * run's first choices (all enabled threads, all `choose` values; no reduction there); each is
 * searched by dpor with it forced, and together they cover every schedule. A run that ends
 * before a prefix's choices is a prefix of its own.
 *
 * DPOR's subtrees are very uneven (the sleep sets leave the bulk of the schedules under the
 * first choice of each point), so the split follows their size: a prefix whose dpor search
 * does not end within `probeRuns` runs is large, and the shallowest large prefix (the first
 * in lexicographic order among equals) is replaced by one prefix per option of its next
 * choice, until `min` prefixes are large or none can be split (a depth of 32 at most).
 * Small prefixes stay as they are. Deterministic: the same list on every machine, for any
 * shard count.
 */
export function splitUnits(
  program: Program,
  min: number,
  maxSteps?: number,
  probeRuns: number = PROBE_RUNS,
): number[][] {
  return planUnits(program, min, maxSteps, probeRuns).map((u) => u.prefix);
}

/** A unit of a split dpor search: its prefix, and whether its probe found it large. */
export interface Unit {
  readonly prefix: number[];
  readonly large: boolean;
}

/** splitUnits with each prefix's size class, for assigning units to shards. */
export function planUnits(
  program: Program,
  min: number,
  maxSteps?: number,
  probeRuns: number = PROBE_RUNS,
  record?: (s: Scheduler) => Scheduler,
): Unit[] {
  const probe = (prefix: number[]): boolean => {
    const v = explore(program, {
      strategy: recorded(new DporStrategy(null, prefix), record),
      maxRuns: probeRuns,
      shrink: false,
      ...(maxSteps === undefined ? {} : { maxSteps }),
    });
    return v.kind === 'bounded' && v.cut === 'runs';
  };
  const units: { prefix: number[]; large: boolean }[] = [{ prefix: [], large: probe([]) }];
  for (;;) {
    let large = 0;
    let pick: { prefix: number[]; large: boolean } | null = null;
    for (const u of units) {
      if (!u.large) continue;
      large++;
      if (pick === null || u.prefix.length < pick.prefix.length) pick = u;
      else if (u.prefix.length === pick.prefix.length && lexicographic(u.prefix, pick.prefix) < 0) pick = u;
    }
    if (large >= min || pick === null) break;
    const options =
      pick.prefix.length < MAX_UNIT_DEPTH ? optionsAfter(program, pick.prefix, maxSteps, record) : null;
    if (options === null) {
      // The run ends before another choice, or the split is deep enough: it stays one unit.
      pick.large = false;
      continue;
    }
    units.splice(units.indexOf(pick), 1);
    for (const o of options) {
      const prefix = [...pick.prefix, o];
      units.push({ prefix, large: probe(prefix) });
    }
  }
  return units.sort((a, b) => lexicographic(a.prefix, b.prefix));
}

/**
 * The units shard i of n runs, by index, ascending: the large units in turn (the k-th large
 * unit to shard k mod n), and the small ones in turn from the other end (the k-th small unit
 * to shard n-1-(k mod n)), so that each shard gets a share of the large ones.
 */
export function unitsOfShard(units: readonly Unit[], shard: ShardSpec): number[] {
  const own: number[] = [];
  let large = 0;
  let small = 0;
  for (let u = 0; u < units.length; u++) {
    const owner = units[u]!.large ? large++ % shard.count : shard.count - 1 - (small++ % shard.count);
    if (owner === shard.index) own.push(u);
  }
  return own;
}

function lexicographic(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The options of the choice after `prefix` (thread ids or values), or null if the run ends first. */
function optionsAfter(
  program: Program,
  prefix: readonly number[],
  maxSteps?: number,
  record?: (s: Scheduler) => Scheduler,
): number[] | null {
  let k = 0;
  let options: number[] | null = null;
  const s: Scheduler = {
    pickThread(enabled: readonly SimThread[]): number {
      if (k < prefix.length) {
        const id = prefix[k++];
        return enabled.findIndex((t) => t.id === id);
      }
      options ??= enabled.map((t) => t.id);
      return 0;
    },
    pickValue(n: number): number {
      if (k < prefix.length) return prefix[k++]!;
      options ??= Array.from({ length: n }, (_, i) => i);
      return 0;
    },
    beforeStep: () => options === null,
  };
  const rt = new Runtime({
    scheduler: record ? record(s) : s,
    ...(maxSteps === undefined ? {} : { maxSteps }),
  });
  rt.setup((r) => program.setup(r));
  rt.execute();
  return options;
}

/**
 * PCT's k for a split search: the steps of the run that always takes the lowest enabled
 * thread (at least PCT's initial 64), the same in every shard.
 */
function calibrate(program: Program, maxSteps?: number, record?: (s: Scheduler) => Scheduler): number {
  const s: Scheduler = { pickThread: () => 0, pickValue: () => 0 };
  const rt = new Runtime({
    scheduler: record ? record(s) : s,
    ...(maxSteps === undefined ? {} : { maxSteps }),
  });
  rt.setup((r) => program.setup(r));
  return Math.max(64, rt.execute().steps);
}

/** Runs shard `opts.shard` of a search and returns its partial result. */
export function runShard(program: Program, opts: ShardOptions): ShardResult {
  opts.watch?.next(0, 1, 0, 0);
  if (opts.strategy === 'dpor' || opts.strategy === 'dfs') {
    if (opts.strategy === 'dfs') {
      throw new MmulabError('MMULAB_BAD_OPTION', 'dfs does not shard; use dpor (it splits the same search)');
    }
    return dporShard(program, opts);
  }
  return samplingShard(program, opts);
}

/** The fields of a shard's result that name its search (what `merge` checks they share). */
export function shardHead(program: string, opts: ShardOptions) {
  const exhaustive = opts.strategy === 'dpor';
  const units = exhaustive ? (opts.units ?? DEFAULT_UNITS) : 0;
  return {
    format: 'mmulab-shard/1' as const,
    program,
    strategy: opts.strategy,
    exhaustive,
    shard: opts.shard,
    options: {
      seed: exhaustive ? null : (opts.seed ?? 1),
      depth: opts.strategy === 'pct' ? (opts.depth ?? 3) : null,
      units,
    },
  };
}

/** random / pct: run indices i, i+n, i+2n, ... of one seed, below maxRuns. */
function samplingShard(program: Program, opts: ShardOptions): ShardResult {
  const { index, count } = opts.shard;
  const maxRuns = opts.maxRuns ?? 10_000;
  const own = maxRuns > index ? Math.ceil((maxRuns - index) / count) : 0;
  const watch = opts.watch;
  const strategy =
    opts.strategy === 'pct'
      ? new PctStrategy(
          opts.seed ?? 1,
          opts.depth ?? 3,
          index,
          count,
          calibrate(program, opts.maxSteps, watch?.record.bind(watch)),
        )
      : makeStrategy(opts.strategy, { ...opts, shard: opts.shard });
  let done = 0;
  const stopAbove = opts.stopAbove;
  const before = opts.resume === undefined ? undefined : { runs: opts.resume.runs, steps: opts.resume.steps };
  // Run k of this shard has the global index index + k * count: the next one after a resume.
  if (before) strategy.restore?.({ run: index + before.runs * count, k: 1 });
  let steps = before?.steps ?? 0;
  watch?.next(index + (before?.runs ?? 0) * count, 0, before?.runs ?? 0, steps);
  const head = shardHead(program.name, opts);
  const result = (v: Verdict): ShardResult => {
    const counts = { runs: v.runs, steps: v.steps, ms: v.ms, units: [] };
    if (v.kind === 'violation') {
      const at = index + (v.runs - 1) * count;
      return {
        ...head,
        ...counts,
        status: 'violation',
        cut: null,
        violation: {
          at,
          runsInUnit: 0,
          violation: v.violation,
          token: v.token,
          ...(v.shrink ? { shrink: v.shrink } : {}),
        },
      };
    }
    // Its share ran to the end: `runs` (or `sampling`) is the whole search's bound, not this shard's.
    const complete = v.kind === 'bounded' && (v.cut === 'runs' || v.cut === 'sampling') && v.runs === own;
    return {
      ...head,
      ...counts,
      status: complete ? 'complete' : 'cut',
      cut: complete ? null : v.kind === 'bounded' ? v.cut : null,
      violation: null,
    };
  };
  if (own === 0) {
    return { ...head, status: 'complete', cut: null, runs: 0, steps: 0, ms: 0, units: [], violation: null };
  }
  const v = exploreShard(
    program,
    {
      strategy: recorded(strategy, watch?.record.bind(watch)),
      maxRuns: own,
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
      ...(opts.timeLimitMs === undefined ? {} : { timeLimitMs: opts.timeLimitMs }),
      ...(opts.shrink === undefined ? {} : { shrink: opts.shrink }),
      onRun: (n, r) => {
        done = n;
        steps += r.steps;
        watch?.next(index + n * count, 0, n, steps);
      },
      ...(stopAbove ? { shouldStop: () => index + done * count > stopAbove() } : {}),
    },
    before,
    watch,
    result,
  );
  return result(v);
}

/** dpor: the units of this shard (unitsOfShard), in order, each searched to the end. */
function dporShard(program: Program, opts: ShardOptions): ShardResult {
  const t0 = performance.now();
  const unitCount = opts.units ?? DEFAULT_UNITS;
  const watch = opts.watch;
  const plan = planUnits(program, unitCount, opts.maxSteps, PROBE_RUNS, watch?.record.bind(watch));
  const own = unitsOfShard(plan, opts.shard);
  const head = shardHead(program.name, opts);
  const kept = (opts.resume?.units ?? []).filter((x) => x.end !== undefined);
  const units: ShardUnit[] = [...kept];
  for (const x of kept) watch?.unit(x);
  let runs = kept.reduce((a, x) => a + x.runs, 0);
  let steps = kept.reduce((a, x) => a + x.steps, 0);
  let boundCut = kept.some((x) => x.end === 'preemptions');
  const maxRuns = opts.maxRuns ?? Number.MAX_SAFE_INTEGER;
  const deadline = opts.timeLimitMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.timeLimitMs;
  const preemptions = opts.preemptions ?? null;
  const ms = () => Math.round(performance.now() - t0);
  const stopAbove = opts.stopAbove;
  for (const u of own) {
    if (stopAbove && u > stopAbove()) break;
    if (kept.some((x) => x.index === u)) continue;
    const strategy = new DporStrategy(preemptions, plan[u]!.prefix);
    const left = maxRuns - runs;
    const time = deadline - performance.now();
    const result = (v: Found): ShardResult => {
      const unit: ShardUnit = { index: u, runs: v.runs, steps: v.steps };
      return {
        ...head,
        status: 'violation',
        cut: null,
        runs: runs + v.runs,
        steps: steps + v.steps,
        ms: ms(),
        units: [...units, unit],
        violation: {
          at: u,
          runsInUnit: v.runs,
          violation: v.violation,
          token: v.token,
          ...(v.shrink ? { shrink: v.shrink } : {}),
        },
      };
    };
    let unitSteps = 0;
    watch?.next(u, 1, runs, steps);
    const v: Verdict | { kind: 'bounded'; cut: 'runs' | 'time'; runs: 0; steps: 0 } =
      left <= 0 || time <= 0
        ? ({ kind: 'bounded', cut: left <= 0 ? 'runs' : 'time', runs: 0, steps: 0 } as const)
        : exploreShard(
            program,
            {
              strategy: recorded(strategy, watch?.record.bind(watch)),
              maxRuns: left,
              timeLimitMs: time,
              ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
              ...(opts.shrink === undefined ? {} : { shrink: opts.shrink }),
              // Within a unit too: a lower violation elsewhere, or an interrupt (key -1).
              ...(stopAbove ? { shouldStop: () => u > stopAbove() } : {}),
              ...(watch
                ? {
                    onRun: (n: number, r: { steps: number }) => {
                      unitSteps += r.steps;
                      watch.next(u, n + 1, runs + n, steps + unitSteps);
                    },
                  }
                : {}),
            },
            undefined,
            watch,
            result,
          );
    if (v.kind === 'violation') return result(v);
    runs += v.runs;
    steps += v.steps;
    const end =
      v.kind === 'verified'
        ? 'complete'
        : v.kind === 'bounded' && v.cut === 'preemptions'
          ? 'preemptions'
          : null;
    const unit: ShardUnit = { index: u, runs: v.runs, steps: v.steps, ...(end ? { end } : {}) };
    units.push(unit);
    watch?.unit(unit);
    if (v.kind === 'bounded') {
      if (v.cut === 'preemptions') {
        boundCut = true;
        continue;
      }
      return { ...head, status: 'cut', cut: v.cut, runs, steps, ms: ms(), units, violation: null };
    }
  }
  if (opts.stopAbove && units.length < own.length) {
    // Another worker's violation has a lower key: this share is not finished, and need not be.
    return { ...head, status: 'cut', cut: 'interrupted', runs, steps, ms: ms(), units, violation: null };
  }
  return {
    ...head,
    status: boundCut ? 'cut' : 'complete',
    cut: boundCut ? 'preemptions' : null,
    runs,
    steps,
    ms: ms(),
    units,
    violation: null,
  };
}

type Found = Extract<Verdict, { kind: 'violation' }>;

/** The strategy with its runs' schedulers recorded for a watched shard, or as it is. */
function recorded(s: Strategy, record: ((s: Scheduler) => Scheduler) | undefined): Strategy {
  return record ? recordingStrategy(s, record) : s;
}

/**
 * explore; watched, a violation is shrunk after the search rather than in it, between
 * `shrinking` calls that hand the watcher the result as found (`result` of the unshrunk
 * verdict): the same verdict either way.
 */
function exploreShard(
  program: Program,
  eo: ExploreOptions,
  start: { runs: number; steps: number } | undefined,
  watch: ShardWatch | undefined,
  result: (v: Found) => ShardResult,
): Verdict {
  if (!watch) return explore(program, eo, start);
  const v = explore(program, { ...eo, shrink: false }, start);
  if (v.kind !== 'violation') return v;
  watch.shrinking(result(v));
  const s = shrunk(program, v.violation, v.token, eo);
  watch.shrinking(null);
  return { ...v, ...s };
}
