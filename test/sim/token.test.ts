import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { explore, replay, runOnce } from '../../src/explore/explorer.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { demos, notifierRace } from '../../src/scenarios/demos.js';
import type { Program } from '../../src/sim/program.js';
import { Rng } from '../../src/sim/rng.js';
import { decodeToken, encodeToken } from '../../src/sim/token.js';
import type { SimEvent } from '../../src/sim/trace.js';

function traceOf(p: Program, token: string): string {
  const events: SimEvent[] = [];
  replay(p, token, { observer: (e) => events.push(e) });
  return JSON.stringify(events);
}

describe('replay tokens', () => {
  it('round-trip any list of choices', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1_000_000 }), { maxLength: 300 }), (choices) => {
        expect(decodeToken(encodeToken(choices))).toEqual(choices);
      }),
      { numRuns: 2000 },
    );
  });

  it('compress runs of the same thread', () => {
    expect(encodeToken([])).toBe('m1.');
    expect(encodeToken([0, 0, 0, 0, 1])).toBe('m1.AAQBAQ');
    expect(encodeToken(Array(1000).fill(3)).length).toBeLessThan(10);
  });

  it('reject malformed tokens with one line naming the problem', () => {
    const cases: Array<[string, string]> = [
      ['', "malformed replay token '': it must start with 'm1.'"],
      ['m2.AAE', "malformed replay token 'm2.AAE': it must start with 'm1.'"],
      ['m1.A*E', "malformed replay token 'm1.A*E': it has characters outside base64url"],
      ['m1.AAAAA', "malformed replay token 'm1.AAAAA': its length is not a base64url length"],
      ['m1.gA', "malformed replay token 'm1.gA': it ends inside a number"],
      ['m1.AAA', "malformed replay token 'm1.AAA': a repeat count is zero"],
    ];
    for (const [token, message] of cases) {
      let err: unknown;
      try {
        decodeToken(token);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MmulabError);
      expect((err as MmulabError).code).toBe('MMULAB_BAD_TOKEN');
      expect((err as MmulabError).message).toBe(message);
      expect((err as MmulabError).message).not.toContain('\n');
    }
  });

  it('never throw anything but MmulabError on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `m1.${s}`),
          fc.base64String().map((s) => `m1.${s}`),
        ),
        (s) => {
          try {
            decodeToken(s);
          } catch (e) {
            expect(e).toBeInstanceOf(MmulabError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a short token that stands for a billion choices is refused without expanding it', () => {
    const huge = `m1.${Buffer.from([0x00, 0x80, 0x80, 0x80, 0x80, 0x04]).toString('base64url')}`;
    expect(() => replay(notifierRace(false), huge)).toThrow(
      'the token does not fit this scenario: the run ended with 1073741820 choice(s) of the token unused',
    );
    expect(() => decodeToken(huge)).toThrow('it decodes to 1073741824 choices');
  });

  it('a token that does not fit the scenario is a token mismatch, not a crash', () => {
    expect(() => replay(notifierRace(false), encodeToken([7, 7, 7]))).toThrow(/does not fit this scenario/);
    expect(() =>
      replay(
        notifierRace(false),
        encodeToken([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
      ),
    ).toThrow(/does not fit this scenario/);
  });
});

describe('determinism', () => {
  it('replaying any random run reproduces its trace exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(...demos, notifierRace(true, 2, 2)), fc.nat(), (program, seed) => {
        const events: SimEvent[] = [];
        const rng = new Rng(seed);
        const r = runOnce(program, {
          scheduler: { pickThread: (en) => rng.below(en.length), pickValue: (n) => rng.below(n) },
          observer: (e) => events.push(e),
        });
        const token = encodeToken(r.choices);
        expect(traceOf(program, token)).toBe(JSON.stringify(events));
        expect(traceOf(program, token)).toBe(traceOf(program, token));
      }),
      { numRuns: 300 },
    );
  });

  it('the same seed finds the same violation with the same token', () => {
    const a = explore(notifierRace(false, 2, 2), { strategy: new RandomStrategy(42) });
    const b = explore(notifierRace(false, 2, 2), { strategy: new RandomStrategy(42) });
    expect(a.kind).toBe('violation');
    expect({ ...a, ms: 0 }).toEqual({ ...b, ms: 0 });
  });
});
