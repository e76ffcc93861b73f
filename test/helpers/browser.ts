// Debian's Chromium driven by playwright-core, as the console's users see it. Launched with the machine's closed
// network in mind: no background requests, so anything the page fetches is the page's own doing.
import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './tools.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium, or undefined (test skipped with the reason printed; under CI=true a missing browser fails). */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!requireTool('chromium')) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
