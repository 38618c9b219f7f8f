import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { recordRun } from '../../src/report/record.js';
import type { Trace } from '../../src/report/trace.js';
import { notifierRace } from '../../src/scenarios/demos.js';
import type { Program } from '../../src/sim/index.js';
import { launchChromium } from './chromium.js';
import { firstViolation, HOSTILE, hostileProgram, kvmRace, longRun } from './fixtures.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Renders `program`'s first violation to test-output/<file>.html and opens it; no request may leave the page. */
async function open(
  program: Program,
  file: string,
): Promise<{ page: Page; trace: Trace; requests: string[] }> {
  const token = firstViolation(program);
  const trace = recordRun(program, token);
  const path = `${OUT}${file}.html`;
  writeFileSync(path, renderHtml(trace, { replayCommand: `mmulab replay ${program.name} ${token}` }));
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(pathToFileURL(path).href);
  return { page, trace, requests };
}

async function expectLanesAndMarker(page: Page, trace: Trace): Promise<void> {
  for (const t of trace.threads) {
    const lane = page.locator(`#lane-${t.id}`);
    await expect.poll(() => lane.isVisible()).toBe(true);
    expect(await lane.locator('.tname').textContent()).toBe(t.name);
  }
  expect(await page.locator('#violation-marker').isVisible()).toBe(true);
  expect(await page.locator('#violation-message').textContent()).toBe(trace.violation!.message);
}

describe('HTML report in headless Chromium', () => {
  it('shows every lane and the violation of the KVM race', async () => {
    const { page, trace, requests } = await open(kvmRace(), 'report-kvm');
    await expectLanesAndMarker(page, trace);
    expect(await page.locator('.s.violating').isVisible()).toBe(true);
    expect(await page.locator('.frame', { hasText: 'kvm_mmu_notifier_invalidate_range_start' }).count()).toBe(
      1,
    );
    await page.screenshot({ path: `${OUT}report-kvm.png` });
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows the three lanes of the 3-thread notifier race', async () => {
    const { page, trace, requests } = await open(notifierRace(false, 2, 2), 'report-notifier-race');
    await expectLanesAndMarker(page, trace);
    await page.screenshot({ path: `${OUT}report-notifier-race.png` });
    expect(requests).toEqual([]);
    await page.close();
  });

  it('opens a 5,000-step trace scrolled to the violation, and zooms', async () => {
    const { page, trace } = await open(longRun(3, 417), 'report-5000');
    expect(trace.steps).toBeGreaterThanOrEqual(5000);
    await expectLanesAndMarker(page, trace);
    const box = await page.locator('#violation-marker').boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThan(0);
    expect(box!.x).toBeLessThan(1400);
    const width = () => page.locator('#lane-0 .track').evaluate((e) => e.getBoundingClientRect().width);
    const before = await width();
    await page.click('#zoom-in');
    expect(await page.locator('#px-value').textContent()).toBe('5');
    expect(await width()).toBeGreaterThan(before);
    await page.screenshot({ path: `${OUT}report-5000.png` });
    await page.close();
  });

  it('runs none of the markup it was given', async () => {
    const { page, trace } = await open(hostileProgram(), 'report-hostile');
    await expectLanesAndMarker(page, trace);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.title()).toBe(`mmulab: ${HOSTILE.program}`);
    expect(await page.locator('h1').textContent()).toBe(`mmulab ${HOSTILE.program}`);
    await page.close();
  });
});
