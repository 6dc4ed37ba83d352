/**
 * A real browser for the UI tests: Debian's Chromium driven by playwright-core (Playwright's
 * own browser download does not work on these machines), screenshots as test artifacts
 * (.state/test-artifacts/ui, not committed) and axe-core accessibility checks in the page.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
export const ARTIFACTS = new URL('../../.state/test-artifacts/ui/', import.meta.url).pathname;
const AXE = require.resolve('axe-core/axe.min.js');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type Viewport = keyof typeof VIEWPORTS;
export type Theme = 'light' | 'dark';

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A context for one viewport and theme, sharing the session cookie of `storage`. `forAxe`
 * lets axe-core's script into the page: the UI's Content-Security-Policy refuses injected
 * scripts (as it should), so only the accessibility checks bypass it.
 */
export async function contextFor(
  browser: Browser,
  baseURL: string,
  viewport: Viewport,
  theme: Theme,
  storage?: Awaited<ReturnType<BrowserContext['storageState']>>,
  forAxe = false,
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    baseURL,
    bypassCSP: forAxe,
    viewport: VIEWPORTS[viewport],
    colorScheme: theme,
    acceptDownloads: true,
    ...(storage ? { storageState: storage } : {}),
    ...(viewport === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const host = new URL(baseURL).hostname;
  await ctx.addCookies([{ name: 'ipmi_theme', value: theme, domain: host, path: '/' }]);
  return ctx;
}

export async function login(page: Page, password: string, user = 'admin'): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(join(ARTIFACTS, 'screenshots'), { recursive: true });
  const file = join(ARTIFACTS, 'screenshots', `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core in the page; returns the serious and critical violations (all are saved as JSON). */
export async function axeCheck(page: Page, name: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (o: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    return axe.run({ resultTypes: ['violations'] });
  });
  await mkdir(join(ARTIFACTS, 'axe'), { recursive: true });
  await writeFile(
    join(ARTIFACTS, 'axe', `${name}.json`),
    JSON.stringify(result.violations, null, 2),
  );
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(vs: AxeViolation[]): string {
  return vs
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => JSON.stringify(n.target))
          .join(', ')}`,
    )
    .join('\n');
}
