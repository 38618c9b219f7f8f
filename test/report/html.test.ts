import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml } from '../../src/report/html.js';
import { recordRun } from '../../src/report/record.js';
import { lockOrderInversion, notifierRace } from '../../src/scenarios/demos.js';
import { firstViolation, HOSTILE, hostileProgram, longRun } from './fixtures.js';

describe('renderHtml', () => {
  it('escapes every string it shows: names, labels, notes, messages, the replay command', () => {
    const p = hostileProgram();
    const token = firstViolation(p);
    const html = renderHtml(recordRun(p, token), {
      replayCommand: `mmulab replay '${HOSTILE.program}' ${token}`,
    });
    for (const s of Object.values(HOSTILE)) expect(html).not.toContain(s);
    expect(html).toContain(escapeHtml(HOSTILE.program));
    expect(html).toContain(escapeHtml(HOSTILE.message));
    expect(html).toContain(escapeHtml(HOSTILE.frame));
    expect(html).not.toContain('<img');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('is self-contained: no external script, style, font or image', () => {
    const p = notifierRace(false, 2, 2);
    const html = renderHtml(recordRun(p, firstViolation(p)));
    expect(html).not.toMatch(/<(link|img|iframe)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/url\(|@import/i);
  });

  it('has one lane per thread, the violation marker and message, and a legend', () => {
    const p = notifierRace(false, 2, 2);
    const t = recordRun(p, firstViolation(p));
    const html = renderHtml(t, { replayCommand: 'mmulab replay notifier-race-3t-buggy m1.x' });
    expect([...html.matchAll(/<div class="lane[^"]*" id="lane-(\d+)"/g)].map((m) => m[1])).toEqual([
      '0',
      '1',
      '2',
    ]);
    expect(html).toContain('<div class="lane culprit" id="lane-2"');
    expect(html).toContain('id="violation-marker" data-step="22"');
    expect(html).toContain(
      '<span class="vmsg" id="violation-message">spte[0] maps frame 1, which munmap freed</span>',
    );
    expect(html).toContain('<code id="replay-command">mmulab replay notifier-race-3t-buggy m1.x</code>');
    expect(html.match(/class="s k-[a-z]+ violating"/g)).toHaveLength(1);
    expect(html).toContain('id="legend"');
  });

  it('marks a deadlock with no culprit lane and lists it under the interleaving', () => {
    const html = renderHtml(recordRun(lockOrderInversion, firstViolation(lockOrderInversion)));
    expect(html).not.toMatch(/class="(lane )?culprit"/);
    expect(html).toContain('id="violation-marker"');
    expect(html).toMatch(/<tr class="vrow">.*deadlock: T0\(ab\) waits for spin_lock\(B\)/);
  });

  it('renders a 5,000-step run as one page with every step addressable', () => {
    const p = longRun(3, 417);
    const t = recordRun(p, firstViolation(p));
    expect(t.steps).toBeGreaterThanOrEqual(5000);
    const html = renderHtml(t);
    expect(html).toContain(`id="s${t.steps - 1}"`);
    expect(html).toContain(`id="r${t.steps - 1}"`);
    expect(html).toContain('value="3"');
    expect(html.length).toBeLessThan(4_000_000);
  });
});
