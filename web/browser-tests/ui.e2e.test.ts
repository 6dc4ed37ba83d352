/**
 * The UI end to end, in headless Chromium, against the whole product as processes (collector,
 * stream processors, API with its database, web UI) on the real broker and registry, with
 * simulated BMCs (ipmi_sim) polled through the real IPMI clients. What an operator does:
 * log in, see the fleet, open a server and its chart with thresholds, see a fault on a BMC
 * turn its tile critical and raise an alert without reloading, acknowledge it, export CSV,
 * add a server in the settings and see it polled. Then every page at desktop and phone
 * widths in light and dark, screenshotted (.state/test-artifacts/ui) and checked with axe.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { eventually } from '@ipmi-monitor/runtime/testing';
import { FLEET_CLIENT, fleetServersYaml } from '@ipmi-monitor/collector/fleet';
import { startProduct, type Product } from './product.js';
import {
  axeCheck,
  contextFor,
  describeViolations,
  launch,
  login,
  screenshot,
  type Theme,
  type Viewport,
} from './browser.js';

let product: Product;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let storage: Awaited<ReturnType<BrowserContext['storageState']>>;
const FIRST = 'ui-bmc-1';
const ADDED = 'ui-bmc-2';

interface AlertItem {
  alertId: string;
  serverId: string;
  severity: string;
  status: string;
}

before(async () => {
  product = await startProduct({ bmcs: 2, pollMs: 3000, fleetBasePort: 18_640 });
  const fleet = product.fleet!;
  // One BMC configured up front (as an import would); the second is added in the settings.
  const yaml = fleetServersYaml([fleet.bmcs[0]!], { serverId: () => FIRST });
  await product.api('/api/v1/servers/import?format=yaml', {
    method: 'POST',
    body: yaml,
    contentType: 'application/yaml',
  });
  await eventually(
    async () => {
      const s = await product.api<{ lastPollAt: string | null }>(`/api/v1/servers/${FIRST}`);
      return s.lastPollAt ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 1000, what: 'the first BMC polled' },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${product.output()}`);
  });
  browser = await launch();
  ctx = await contextFor(browser, product.webUrl, 'desktop', 'light');
  page = await ctx.newPage();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

/** Marks the document: a reload or full navigation loses the mark. */
async function markDocument(p: Page): Promise<void> {
  await p.evaluate(() => {
    (globalThis as unknown as { __uiMark: number }).__uiMark = 42;
  });
}
async function sameDocument(p: Page): Promise<boolean> {
  return p.evaluate(() => (globalThis as unknown as { __uiMark?: number }).__uiMark === 42);
}

test('log in and see the fleet', async () => {
  await login(page, product.adminPassword);
  storage = await ctx.storageState();
  await page.goto('/');
  const tile = page.getByTestId(`server-tile-${FIRST}`);
  await tile.waitFor({ timeout: 30_000 });
  await eventually(
    async () => ((await tile.getAttribute('data-health')) !== 'UNKNOWN' ? true : undefined),
    { timeoutMs: 60_000, what: 'the tile showing a polled health' },
  );
  assert.match((await page.getByTestId('licence').textContent()) ?? '', /1\s*\/\s*50/);
  // The UI's door to the API, with this session: data under /api/v1, nothing else.
  assert.equal((await page.request.get('/api/v1/fleet/summary')).status(), 200);
  for (const path of ['/api/v1/x%2F..%2F..%2Fmetrics', '/api/v1/docs', '/api/v1/auth/login']) {
    const res = await page.request.get(path);
    assert.equal(res.status(), 404, path);
    assert.equal(((await res.json()) as { code: string }).code, 'WEB_NOT_FORWARDED');
  }
});

test('open a server: sensors by type and a chart with its thresholds', async () => {
  await page.getByTestId(`server-tile-${FIRST}`).click();
  await page.waitForURL(`**/servers/${FIRST}`);
  await page.getByTestId('server-header').waitFor();
  const row = page.locator('[data-testid^="sensor-row-"]', { hasText: 'CPU Temp' }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.getByRole('button').first().click();
  const chart = page.getByTestId('sensor-chart');
  await eventually(
    async () => {
      const n = Number(await chart.getAttribute('data-rendered-points'));
      return n > 0 ? n : undefined;
    },
    { timeoutMs: 30_000, what: 'the chart drawn' },
  );
  await page.getByTestId('range-24h').click();
  const legend = (await page.getByTestId('threshold-legend').textContent()) ?? '';
  assert.match(legend, /critical/i, `the thresholds are drawn: ${legend}`);
});

test('a fault on a BMC turns its tile critical and raises an alert, without reloading', async () => {
  const fleetPage = await ctx.newPage();
  await fleetPage.goto('/');
  const alertsPage = await ctx.newPage();
  await alertsPage.goto('/alerts');
  await fleetPage.getByTestId(`server-tile-${FIRST}`).waitFor();
  await fleetPage
    .getByTestId('live-status')
    .filter({ hasText: /live/i })
    .waitFor({ timeout: 20_000 });
  await markDocument(fleetPage);
  await markDocument(alertsPage);

  await product.fleet!.setSensor(1, 'CPU Temp', 95);

  await eventually(
    async () =>
      (await fleetPage.getByTestId(`server-tile-${FIRST}`).getAttribute('data-health')) ===
      'CRITICAL'
        ? true
        : undefined,
    { timeoutMs: 120_000, intervalMs: 500, what: 'the tile turning critical' },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${product.output('streams')}`);
  });
  const alert = await eventually(
    async () => {
      const list = await product.api<{ items: AlertItem[] }>(
        `/api/v1/alerts?state=active&serverId=${FIRST}`,
      );
      return list.items.find((a) => a.severity === 'CRITICAL');
    },
    { timeoutMs: 60_000, what: 'a critical alert in the API' },
  );
  await alertsPage.getByTestId(`alert-row-${alert.alertId}`).waitFor({ timeout: 60_000 });
  assert.ok(await sameDocument(fleetPage), 'the fleet page was not reloaded');
  assert.ok(await sameDocument(alertsPage), 'the alerts page was not reloaded');
  await screenshot(fleetPage, 'fault-fleet-desktop-light');
  await screenshot(alertsPage, 'fault-alerts-desktop-light');

  // Acknowledge it on the alerts page; it stays acknowledged after a reload.
  const row = alertsPage.getByTestId(`alert-row-${alert.alertId}`);
  await alertsPage.getByTestId(`ack-${alert.alertId}`).click();
  await alertsPage.getByTestId(`ack-submit-${alert.alertId}`).click();
  await eventually(
    async () => ((await row.getAttribute('data-acknowledged')) === 'true' ? true : undefined),
    { timeoutMs: 20_000, what: 'the row acknowledged' },
  );
  await alertsPage.reload();
  assert.equal(
    await alertsPage.getByTestId(`alert-row-${alert.alertId}`).getAttribute('data-acknowledged'),
    'true',
  );
  await fleetPage.close();
  await alertsPage.close();
  await product.fleet!.setSensor(1, 'CPU Temp', 45);
});

test('export CSV: the events table and a sensor reading series', async () => {
  await product.fleet!.addSel(1, 'psu', 2);
  await page.goto(`/events`);
  await eventually(
    async () => ((await page.getByTestId('event-row').count()) > 0 ? true : undefined),
    { timeoutMs: 60_000, what: 'SEL events listed' },
  );
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-events').click(),
  ]);
  const text = await readFile(await download.path(), 'utf8');
  const [header, ...rows] = text.trim().split('\n');
  assert.match(header!, /server_id/);
  assert.ok(rows.length > 0, 'events in the file');
  assert.ok(rows.some((r) => r.includes(FIRST)));

  await page.goto(`/servers/${FIRST}`);
  const row = page.locator('[data-testid^="sensor-row-"]', { hasText: 'CPU Temp' }).first();
  await row.getByRole('button').first().click();
  const [readings] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-readings').click(),
  ]);
  const csv = await readFile(await readings.path(), 'utf8');
  const lines = csv.trim().split('\n');
  assert.match(lines[0]!, /value/);
  assert.ok(lines.length > 1, 'readings in the file');
});

test('add a server in the settings and see it polled', async () => {
  const bmc = product.fleet!.bmcs[1]!;
  // Every answer the browser gets from here on: none may carry the BMC password back.
  const bodies: Promise<string>[] = [];
  const record = (res: Response) => {
    bodies.push(res.text().catch(() => ''));
  };
  page.on('response', record);
  await page.goto('/settings');
  await page.getByTestId('add-server').click();
  const form = page.getByTestId('server-form');
  await form
    .getByLabel(/^server id/i)
    .fill(ADDED)
    .catch(() => undefined);
  await form.getByLabel(/^name/i).fill(bmc.name);
  await form.getByLabel(/^host/i).fill(bmc.host);
  await form.getByLabel(/^port/i).fill(String(bmc.port));
  await form.getByLabel(/^(bmc )?user/i).fill(bmc.username);
  await form.getByLabel(/^(bmc )?password/i).fill(bmc.password);
  await form.getByLabel(/^privilege/i).selectOption('ADMINISTRATOR');
  await form.getByLabel(/cipher suite/i).fill(String(FLEET_CLIENT.cipherSuite));
  await form.getByLabel(/workaround/i).fill(FLEET_CLIENT.workaroundFlags.join(','));
  await form.getByTestId('server-form-submit').click();
  const id = await eventually(
    async () => {
      const list = await product.api<{ items: { serverId: string; name: string }[] }>(
        '/api/v1/servers',
      );
      return list.items.find((s) => s.name === bmc.name)?.serverId;
    },
    { timeoutMs: 30_000, what: 'the server configured' },
  );
  assert.equal(id, ADDED);
  await page.goto(`/servers/${ADDED}`);
  await page.goto('/settings');
  page.off('response', record);
  const seen = await Promise.all(bodies);
  assert.ok(seen.length > 3, 'answers recorded');
  assert.ok(
    seen.every((b) => !b.includes(bmc.password)),
    'no page or API answer carries the password back',
  );
  await page.goto('/');
  const tile = page.getByTestId(`server-tile-${id}`);
  await tile.waitFor({ timeout: 30_000 });
  await eventually(
    async () => ((await tile.getAttribute('data-health')) === 'OK' ? true : undefined),
    { timeoutMs: 90_000, intervalMs: 1000, what: 'the added server polled (health OK)' },
  );
});

const PAGES = [
  ['fleet', '/'],
  ['server', `/servers/${FIRST}`],
  ['events', '/events'],
  ['alerts', '/alerts'],
  ['insights', '/insights'],
  ['settings-servers', '/settings'],
  ['settings-import', '/settings/import'],
  ['settings-access', '/settings/access'],
  ['settings-retention', '/settings/retention'],
  ['settings-upgrade', '/settings/upgrade'],
] as const;

test('every page at desktop and phone widths, light and dark: screenshots and no serious axe violations', async () => {
  const problems: string[] = [];
  for (const theme of ['light', 'dark'] as Theme[]) {
    for (const viewport of ['desktop', 'phone'] as Viewport[]) {
      const c = await contextFor(browser, product.webUrl, viewport, theme, storage, true);
      const p = await c.newPage();
      for (const [name, path] of PAGES) {
        const res = await p.goto(path);
        assert.equal(res?.status(), 200, `${path} answers`);
        await p.waitForLoadState('networkidle').catch(() => undefined);
        await screenshot(p, `${name}-${viewport}-${theme}`);
        // No page-wide horizontal scrolling on a phone: wide tables scroll inside their box.
        if (viewport === 'phone') {
          const overflow = await p.evaluate(
            () =>
              (
                globalThis as unknown as {
                  document: { documentElement: { scrollWidth: number; clientWidth: number } };
                }
              ).document.documentElement.scrollWidth -
              (globalThis as unknown as { document: { documentElement: { clientWidth: number } } })
                .document.documentElement.clientWidth,
          );
          if (overflow > 2)
            problems.push(
              `${name} (${viewport}, ${theme}): page scrolls sideways by ${overflow}px`,
            );
        }
        if (viewport === 'desktop') {
          const bad = await axeCheck(p, `${name}-${theme}`);
          if (bad.length > 0) problems.push(`${name} (${theme}):\n${describeViolations(bad)}`);
        }
      }
      await c.close();
    }
  }
  // The login page, logged out.
  for (const theme of ['light', 'dark'] as Theme[]) {
    const c = await contextFor(browser, product.webUrl, 'desktop', theme, undefined, true);
    const p = await c.newPage();
    await p.goto('/login');
    await screenshot(p, `login-desktop-${theme}`);
    const bad = await axeCheck(p, `login-${theme}`);
    if (bad.length > 0) problems.push(`login (${theme}):\n${describeViolations(bad)}`);
    await c.close();
  }
  assert.deepEqual(problems, []);
});

test('settings show the retention the database enforces', async () => {
  await page.goto('/settings/retention');
  assert.equal((await page.getByTestId('retention-readings').textContent())?.trim(), '7 days');
  assert.equal((await page.getByTestId('retention-readings_1h').textContent())?.trim(), '400 days');
});

test('the pipeline banner says so when a BMC stops answering, without reloading', async () => {
  await page.goto('/');
  await markDocument(page);
  await product.fleet!.hang(2);
  try {
    const banner = page.getByTestId('pipeline-banner');
    await banner.filter({ hasText: 'PIPE_BMCS_UNREACHABLE' }).waitFor({ timeout: 150_000 });
    assert.match((await banner.textContent()) ?? '', /1 of 2 BMCs unreachable/);
    assert.ok(await sameDocument(page));
    await screenshot(page, 'pipeline-banner-desktop-light');
  } finally {
    await product.fleet!.resume(2);
  }
});

test('a read-only user sees the fleet and its details, and no admin action', async () => {
  const password = 'viewer-Pass-4242';
  await product.api('/api/v1/users', {
    method: 'POST',
    json: { username: 'viewer', password, role: 'read-only' },
  });
  const c = await contextFor(browser, product.webUrl, 'desktop', 'light');
  const p = await c.newPage();
  try {
    await login(p, password, 'viewer');
    await p.getByTestId(`server-tile-${FIRST}`).waitFor();
    assert.match((await p.locator('header').textContent()) ?? '', /read-only/);
    await p.goto(`/servers/${FIRST}`);
    await p.getByTestId('server-header').waitFor();
    assert.equal(await p.getByTestId('test-connection').count(), 0, 'no connection test');
    await p.goto('/alerts');
    await p.getByTestId('alerts-table').waitFor();
    assert.ok((await p.locator('[data-testid^="alert-row-"]').count()) > 0, 'alerts listed');
    assert.equal(
      await p.locator('button[data-testid^="ack-"], button[data-testid^="silence-"]').count(),
      0,
      'no acknowledge or silence',
    );
    await p.goto('/settings');
    await p.getByTestId('read-only-note').waitFor();
    assert.equal(await p.getByTestId('add-server').count(), 0, 'no add server');
    // And the API refuses what the page does not offer.
    const res = await p.request.post('/api/v1/servers', { data: { name: 'x', host: '10.0.0.1' } });
    assert.equal(res.status(), 403);
  } finally {
    await c.close();
  }
});
