import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ENSURE = fileURLToPath(new URL('../../scripts/ensure-chromium.sh', import.meta.url));

/**
 * Debian's chromium, installed by scripts/ensure-chromium.sh when missing (apt-get; a fresh
 * machine needs it once), launched headless with no network side channels.
 */
export async function launchChromium(): Promise<Browser> {
  execFileSync('bash', [ENSURE], { stdio: ['ignore', 'inherit', 'inherit'] });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
