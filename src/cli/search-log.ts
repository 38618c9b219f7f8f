import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { MmulabError } from '../errors.js';
import type { ExploreStart } from '../explore/explorer.js';

/**
 * The search a `--out` file records: what `--resume` must match before it continues one.
 * Options that do not change which runs are made (--runs, --time-limit, reports) are not here.
 */
export interface SearchHeader {
  readonly type: 'header';
  readonly version: 1;
  readonly scenario: string;
  readonly design: string;
  readonly bugs: readonly string[];
  readonly strategy: string;
  readonly seed: number;
  readonly depth: number | null;
  readonly preemptions: number | null;
  readonly maxSteps: number | null;
  readonly driver: string | null;
  /** Present (true) only for a search run with --lockdep. */
  readonly lockdep?: boolean;
}

/** A checkpoint: the counts after `runs` runs and the strategy's state then. */
export interface CheckpointLine extends ExploreStart {
  readonly type: 'checkpoint';
  readonly state: unknown;
}

/** Where `--resume` continues from. */
export interface ResumePoint {
  readonly start: ExploreStart;
  readonly state: unknown;
}

/** Checkpoints at most this often, in runs or ms, whichever comes first. */
export const CHECKPOINT_RUNS = 1_000;
export const CHECKPOINT_MS = 1_000;

const MATCHED: readonly (keyof SearchHeader)[] = [
  'scenario',
  'design',
  'bugs',
  'strategy',
  'seed',
  'depth',
  'preemptions',
  'maxSteps',
  'driver',
  'lockdep',
];

/**
 * A JSONL record of one search, written line by line with writeSync: a header, checkpoints
 * (every 1,000 runs or ~1 s, and at the end of a cut search), the violation when one is hit,
 * the final verdict. A process killed mid-search leaves every line before the kill intact.
 */
export class SearchLog {
  private readonly fd: number;
  private lastRuns = 0;
  private lastMs: number;

  constructor(
    readonly path: string,
    append: boolean,
  ) {
    try {
      this.fd = openSync(path, append ? 'a' : 'w');
    } catch (e) {
      throw new MmulabError('MMULAB_BAD_FILE', `cannot write ${path}: ${firstLine(e)}`);
    }
    this.lastMs = performance.now();
  }

  write(line: object): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  /** After run `runs`: a checkpoint line if one is due. */
  maybeCheckpoint(runs: number, steps: number, state: () => unknown): void {
    const now = performance.now();
    if (runs - this.lastRuns < CHECKPOINT_RUNS && now - this.lastMs < CHECKPOINT_MS) return;
    this.checkpoint(runs, steps, state());
  }

  checkpoint(runs: number, steps: number, state: unknown): void {
    if (runs === this.lastRuns && runs > 0) return;
    const line: CheckpointLine = { type: 'checkpoint', runs, steps, state };
    this.write(line);
    this.lastRuns = runs;
    this.lastMs = performance.now();
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Reads a `--out` file for `--resume`: its header must name the same search, and its last
 * checkpoint is where the search continues (the start, if it has none yet). A file whose
 * search already ended with a violation or a proof is refused; one cut by an interrupt, the
 * time limit or the run limit continues.
 */
export function readResume(path: string, want: SearchHeader): ResumePoint {
  if (!existsSync(path)) throw bad(path, 'no such file');
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    let x: unknown;
    try {
      x = JSON.parse(text);
    } catch {
      // A line cut short by a kill can only be the last one.
      if (i >= lines.length - 2) break;
      throw bad(path, `line ${i + 1} is not JSON`);
    }
    if (typeof x !== 'object' || x === null || Array.isArray(x))
      throw bad(path, `line ${i + 1} is not an object`);
    records.push(x as Record<string, unknown>);
  }
  const head = records[0];
  if (head?.type !== 'header' || head.version !== 1) throw bad(path, 'it is not an mmulab --out file');
  // lockdep is written only when on: absent is off.
  const field = (h: Record<string, unknown>, k: string) =>
    JSON.stringify(k === 'lockdep' ? h[k] === true : h[k]);
  for (const k of MATCHED) {
    const was = field(head, k);
    const now = field(want as unknown as Record<string, unknown>, k);
    if (was !== now) throw bad(path, `it records a search with ${k} ${was}, this one has ${now}`);
  }
  let point: ResumePoint = { start: { runs: 0, steps: 0 }, state: null };
  if (head.workers !== undefined && !('workers' in want)) {
    throw bad(
      path,
      `it records a search on ${String(head.workers)} worker(s): resume it with --workers ${String(head.workers)}`,
    );
  }
  for (const r of records) {
    if (r.type === 'checkpoint') {
      if (!(Number.isInteger(r.runs) && Number.isInteger(r.steps)))
        throw bad(path, 'a checkpoint without counts');
      point = { start: { runs: r.runs as number, steps: r.steps as number }, state: r.state };
    }
    if (r.type === 'verdict' && r.verdict !== 'bounded') {
      throw bad(path, `its search already ended (${String(r.verdict)}): nothing to resume`);
    }
    if (r.type === 'verdict' && (r.cut === 'sampling' || r.cut === 'preemptions')) {
      throw bad(path, `its search already ended (bounded by ${String(r.cut)}): nothing to resume`);
    }
  }
  return point;
}

function bad(path: string, why: string): MmulabError {
  return new MmulabError('MMULAB_BAD_CHECKPOINT', `cannot resume from ${path}: ${why}`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
