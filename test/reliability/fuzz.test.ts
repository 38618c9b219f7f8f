import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { parseUffdScript, UffdScriptSyntaxError } from '../../src/scenarios/uffd-script/index.js';
import { decodeTokenRuns } from '../../src/sim/token.js';

/**
 * Bad input never crashes (issue 9): generated inputs to the token decoder and the .uffd
 * parser are accepted or rejected with the project's own one-line error, never anything else.
 * 100,000 inputs in all, budgeted to stay well under a minute.
 */
const FIXTURES = 'test/fixtures/uffd/scenarios';
const scripts = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.uffd'))
  .map((f) => readFileSync(`${FIXTURES}/${f}`, 'utf8'));

/** A real script with random lines replaced, inserted, cut or token-shuffled. */
const mutatedScript = fc
  .tuple(
    fc.constantFrom(...scripts),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            'copy u M:0 pages=1',
            'touch M:-40',
            'api u features=0x',
            'mmap M pages=0',
            'join',
            '@0x',
          ),
        ),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    const lines = text.split('\n');
    for (const [at, line] of edits) lines.splice(at % (lines.length + 1), at % 3 === 0 ? 1 : 0, line);
    return lines.join('\n');
  });

function oneLine(e: Error): void {
  expect(e.message).not.toContain('\n');
  expect(e.message.length).toBeGreaterThan(0);
}

describe('fuzzing bad input', () => {
  it('the replay-token decoder: 50,000 inputs, only MMULAB_BAD_TOKEN', () => {
    const arb = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ maxLength: 30 }).map((s) => `m1.${s}`),
      fc
        .base64String({ maxLength: 40 })
        .map((s) => `m1.${s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')}`),
      fc.uint8Array({ maxLength: 30 }).map((b) => `m1.${Buffer.from(b).toString('base64url')}`),
    );
    fc.assert(
      fc.property(arb, (s) => {
        try {
          const runs = decodeTokenRuns(s);
          expect(runs.values.length).toBe(runs.counts.length);
        } catch (e) {
          expect(e).toBeInstanceOf(MmulabError);
          expect((e as MmulabError).code).toBe('MMULAB_BAD_TOKEN');
          oneLine(e as Error);
        }
      }),
      { numRuns: 50_000, seed: 20261123 },
    );
  });

  it('the .uffd parser: 50,000 inputs, only file:line: message syntax errors', () => {
    const arb = fc.oneof(
      { weight: 3, arbitrary: mutatedScript },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    );
    fc.assert(
      fc.property(arb, (text) => {
        try {
          parseUffdScript(text, 'fuzz.uffd');
        } catch (e) {
          expect(e).toBeInstanceOf(UffdScriptSyntaxError);
          expect((e as Error).message).toMatch(/^fuzz\.uffd:\d+: /);
          oneLine(e as Error);
        }
      }),
      { numRuns: 50_000, seed: 20261123 },
    );
  });
});
