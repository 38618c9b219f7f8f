import { MmulabError } from '../errors.js';
import type { ShardResult } from './shard.js';
import type { Verdict } from './verdict.js';

/**
 * Joins the partial results of one split search into its verdict.
 * - A violation in any shard makes the verdict a violation: the one with the lowest key
 *   (global run index for random/pct, unit index for dpor), so the answer does not depend on
 *   how many shards or workers there were. Its `runs` count every run before it in that
 *   order (random/pct: the run index + 1; dpor: the runs of the lower units and of its own).
 * - Otherwise `verified` only if the strategy is exhaustive and every shard completed its
 *   share with nothing cutting it; else `bounded`, with the first cut met (a sampling
 *   strategy's complete search is bounded by its run count).
 * Shards must come from one search: same program, strategy, split options and count, every
 * index exactly once.
 */
export function mergeShards(results: readonly ShardResult[]): Verdict {
  if (results.length === 0) throw new MmulabError('MMULAB_BAD_SHARDS', 'no shard results to merge');
  const first = results[0]!;
  const count = first.shard.count;
  const seen = new Set<number>();
  for (const r of results) {
    const same =
      r.program === first.program &&
      r.strategy === first.strategy &&
      r.shard.count === count &&
      JSON.stringify(r.options) === JSON.stringify(first.options);
    if (!same) {
      throw new MmulabError(
        'MMULAB_BAD_SHARDS',
        `shard ${r.shard.index}/${r.shard.count} (${r.program}, ${r.strategy}) is not from the same search as shard ${first.shard.index}/${count} (${first.program}, ${first.strategy})`,
      );
    }
    if (seen.has(r.shard.index)) {
      throw new MmulabError('MMULAB_BAD_SHARDS', `shard ${r.shard.index}/${count} appears twice`);
    }
    seen.add(r.shard.index);
  }
  const steps = results.reduce((a, r) => a + r.steps, 0);
  const ms = Math.max(...results.map((r) => r.ms));
  const strategy = first.strategy;
  const withViolation = results.filter((r) => r.violation !== null);
  if (withViolation.length > 0) {
    const win = withViolation.reduce((a, b) => (b.violation!.at < a.violation!.at ? b : a)).violation!;
    const runs = first.exhaustive
      ? results.flatMap((r) => r.units).reduce((a, u) => a + (u.index < win.at ? u.runs : 0), 0) +
        win.runsInUnit
      : win.at + 1;
    return {
      kind: 'violation',
      violation: win.violation,
      token: win.token,
      ...(win.shrink ? { shrink: win.shrink } : {}),
      runs,
      steps,
      ms,
      strategy,
    };
  }
  const runs = results.reduce((a, r) => a + r.runs, 0);
  const missing = [...Array(count).keys()].filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new MmulabError(
      'MMULAB_BAD_SHARDS',
      `shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing: a search is verified only when every shard is merged`,
    );
  }
  const cut = [...results].sort((a, b) => a.shard.index - b.shard.index).find((r) => r.status === 'cut');
  if (cut) return { kind: 'bounded', cut: cut.cut ?? 'interrupted', runs, steps, ms, strategy };
  if (!first.exhaustive) return { kind: 'bounded', cut: 'runs', runs, steps, ms, strategy };
  return { kind: 'verified', runs, steps, ms, strategy };
}

/** Reads a shard file's JSON, checking its shape: one clear error for anything else. */
export function parseShardResult(text: string, file: string): ShardResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MmulabError(
      'MMULAB_BAD_SHARDS',
      `${file}: not JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const r = v as Partial<ShardResult> | null;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    r.format === 'mmulab-shard/1' &&
    typeof r.program === 'string' &&
    typeof r.strategy === 'string' &&
    typeof r.exhaustive === 'boolean' &&
    typeof r.shard?.index === 'number' &&
    typeof r.shard?.count === 'number' &&
    (r.status === 'complete' || r.status === 'cut' || r.status === 'violation') &&
    typeof r.runs === 'number' &&
    typeof r.steps === 'number' &&
    typeof r.ms === 'number' &&
    Array.isArray(r.units) &&
    (r.status !== 'violation' ||
      (typeof r.violation?.at === 'number' && typeof r.violation?.token === 'string'));
  if (!ok)
    throw new MmulabError('MMULAB_BAD_SHARDS', `${file}: not an mmulab shard result (format mmulab-shard/1)`);
  return r as ShardResult;
}
