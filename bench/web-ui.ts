/**
 * The web UI's figures in a real browser (Debian Chromium through playwright-core):
 *
 *   cold load   a new browser profile (empty cache) opens the fleet dashboard of --servers
 *               (500) servers; timed in the page from navigation start to every server's tile
 *               in the DOM (plus first contentful paint, DOMContentLoaded and load). Baseline
 *               in the same run: the same cold load of the Upgrade page (the same app shell,
 *               session check and layout, no fleet data): the ratio is what 500 servers cost.
 *   plain       the same cold load from a second UI process with IPMI_WEB_COMPRESSION=false
 *               (the page's HTML not gzipped), in the same rounds: what compression costs or
 *               buys on this (loopback) link.
 *   warm load   a reload of the dashboard in the same profile (cached scripts).
 *   navigation  from the Insights page, a click on "Fleet" until every tile is in the DOM
 *               (client-side routing: the page's data through the UI server, no document
 *               load); baseline: the click from the fleet to the Insights page.
 *   chart       the sensor chart (uPlot) drawing 7 days of one sensor at full resolution
 *               (--chart-points, 60 480 = one reading every 10 s) on the chart lab page,
 *               timed around the chart's construction and first draw in the page; baseline:
 *               one day of one-minute buckets (1 440 points), the chart's usual load.
 *   bundle      the production build's client scripts and styles (raw, gzip, brotli as
 *               served precompressed), and the bytes the cold dashboard load fetched.
 *
 * Data: the API in this process (buildApp over an embedded database holding the projections'
 * known feed for --servers servers: varied health, alerts, SEL, insights) on a free port;
 * the UI as its production build (`ipmi-monitor web`, built first when stale) in a child
 * process; the session is an admin API token in the UI's cookie (no login per rep).
 * --reps (5) of each, alternating order; medians printed. Prints figures; asserts nothing.
 *
 *   npm run bench:web                      # stack running (the API connects to Kafka)
 *   npm run bench:web -- --servers 100 --reps 3
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { testApi } from '../api/src/testing/app.js';
import { contextFor, launch } from '../web/browser-tests/browser.js';
import { startProduct } from '../web/browser-tests/product.js';
import { fix, median } from './lib/stats.js';
import { machineLine } from './lib/system.js';

const { values: args } = parseArgs({
  options: {
    servers: { type: 'string', default: '500' },
    reps: { type: 'string', default: '5' },
    'chart-points': { type: 'string', default: '60480' },
  },
});
const SERVERS = Number(args.servers);
const REPS = Number(args.reps);
const CHART_POINTS = Number(args['chart-points']);
const repo = new URL('../', import.meta.url).pathname;

function bundleSizes(): {
  files: number;
  raw: number;
  gzip: number;
  br: number;
  js: number;
  css: number;
} {
  const dir = join(repo, 'web/build/client/_app/immutable');
  const out = { files: 0, raw: 0, gzip: 0, br: 0, js: 0, css: 0 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.js') || name.endsWith('.css')) {
        const buf = readFileSync(p);
        out.files++;
        out.raw += buf.length;
        out.gzip += gzipSync(buf, { level: 9 }).length;
        out.br += brotliCompressSync(buf).length;
        if (name.endsWith('.js')) out.js += buf.length;
        else out.css += buf.length;
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * performance.now() when `ready` matches (at least `count` elements), and the page's path
 * is `path` when given; performance.now() counts from the navigation's start: the time the
 * user waited.
 */
async function timeInPage(
  page: Page,
  ready: string,
  count = 1,
  path: string | null = null,
): Promise<number> {
  const handle = await page.waitForFunction(
    ({ ready, count, path }) => {
      const g = globalThis as unknown as {
        document: { querySelectorAll(s: string): { length: number } };
        location: { pathname: string };
      };
      const ok =
        (path === null || g.location.pathname === path) &&
        g.document.querySelectorAll(ready).length >= count;
      return ok ? performance.now() : false;
    },
    { ready, count, path },
    { timeout: 60_000, polling: 'raf' },
  );
  return (await handle.jsonValue()) as number;
}

interface NavTiming {
  domContentLoadedEventEnd: number;
  loadEventEnd: number;
  transferSize: number;
}
interface ResTiming {
  name: string;
  transferSize: number;
}

async function paintFigures(page: Page) {
  // No named functions inside: tsx (esbuild) wraps them with a helper that the page lacks.
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation' as never)[0] as unknown as
      NavTiming | undefined;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    const assets = (performance.getEntriesByType('resource') as unknown as ResTiming[]).filter(
      (r) => r.name.includes('/_app/'),
    );
    return {
      fcp,
      dcl: nav?.domContentLoadedEventEnd ?? NaN,
      load: nav?.loadEventEnd ?? NaN,
      docBytes: nav?.transferSize ?? NaN,
      assetBytes: assets.reduce((a, r) => a + r.transferSize, 0),
      assets: assets.length,
    };
  });
}

async function main() {
  console.log(`bench:web  ${machineLine()}`);
  execFileSync('bash', [join(repo, 'scripts/build-web.sh')], { stdio: 'inherit' });
  const t = await testApi({
    servers: SERVERS,
    sensors: 12,
    polls: 3,
    live: true,
    settings: { rateLimit: 1_000_000 },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const product = await startProduct({ services: ['web'], apiUrl });
  // The same UI without gzip: what compressing the server-rendered page buys (or costs).
  const plain = await startProduct({
    services: ['web'],
    apiUrl,
    env: { IPMI_WEB_COMPRESSION: 'false' },
  });
  let browser: Browser | null = null;
  try {
    const listed = (await (
      await fetch(`${apiUrl}/api/v1/servers?limit=1000`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
      })
    ).json()) as { items: unknown[] };
    const expected = listed.items.length;
    console.log(`servers in the API: ${expected}; UI ${product.webUrl}; reps ${REPS}`);
    browser = await launch();
    const session = async (url = product.webUrl) => {
      const ctx = await contextFor(browser!, url, 'desktop', 'light');
      await ctx.addCookies([
        { name: 'ipmi_web_session', value: t.adminToken, domain: '127.0.0.1', path: '/' },
      ]);
      return ctx;
    };
    const fig = {
      cold: [] as number[],
      coldBase: [] as number[],
      fcp: [] as number[],
      dcl: [] as number[],
      load: [] as number[],
      warm: [] as number[],
      nav: [] as number[],
      navBase: [] as number[],
      chart: [] as number[],
      chartBase: [] as number[],
      assetBytes: [] as number[],
      docBytes: [] as number[],
      coldPlain: [] as number[],
      fcpPlain: [] as number[],
      docBytesPlain: [] as number[],
    };
    // One throwaway round: the UI server's first requests compile nothing, but the API's
    // first queries warm the database's caches.
    {
      const ctx = await session();
      const p = await ctx.newPage();
      await p.goto('/');
      await timeInPage(p, '[data-testid^="server-tile-"]', expected);
      await ctx.close();
    }
    for (let rep = 0; rep < REPS; rep++) {
      const legs = ['dash', 'plain', 'base'];
      if (rep % 2 === 1) legs.reverse();
      for (const leg of legs) {
        const ctx = await session(leg === 'plain' ? plain.webUrl : product.webUrl);
        const p = await ctx.newPage();
        if (leg === 'plain') {
          await p.goto('/');
          fig.coldPlain.push(await timeInPage(p, '[data-testid^="server-tile-"]', expected));
          const pf = await paintFigures(p);
          fig.fcpPlain.push(pf.fcp);
          fig.docBytesPlain.push(pf.docBytes);
        } else if (leg === 'dash') {
          await p.goto('/');
          fig.cold.push(await timeInPage(p, '[data-testid^="server-tile-"]', expected));
          const pf = await paintFigures(p);
          fig.fcp.push(pf.fcp);
          fig.dcl.push(pf.dcl);
          fig.load.push(pf.load);
          fig.assetBytes.push(pf.assetBytes);
          fig.docBytes.push(pf.docBytes);
          await p.reload();
          fig.warm.push(await timeInPage(p, '[data-testid^="server-tile-"]', expected));
          // Client-side navigation: Insights → Fleet, and back (the baseline).
          await p.getByRole('link', { name: 'Insights', exact: true }).click();
          await p.waitForURL('**/insights');
          await p.getByRole('heading', { level: 1 }).waitFor();
          let start = await p.evaluate(() => performance.now());
          await p.getByRole('link', { name: 'Fleet', exact: true }).click();
          fig.nav.push(
            (await timeInPage(p, '[data-testid^="server-tile-"]', expected, '/')) - start,
          );
          start = await p.evaluate(() => performance.now());
          await p.getByRole('link', { name: 'Insights', exact: true }).click();
          fig.navBase.push((await timeInPage(p, 'main h1', 1, '/insights')) - start);
        } else {
          await p.goto('/settings/upgrade');
          fig.coldBase.push(await timeInPage(p, '[data-testid="upgrade"]'));
        }
        await ctx.close();
      }
      const charts: [number, number[]][] = [
        [CHART_POINTS, fig.chart],
        [1440, fig.chartBase],
      ];
      if (rep % 2 === 1) charts.reverse();
      for (const [points, into] of charts) {
        const ctx = await session();
        const p = await ctx.newPage();
        await p.goto(`/lab/chart?points=${points}`);
        await p.waitForSelector('[data-render-ms]', { timeout: 60_000 });
        const ms = Number(await p.getAttribute('[data-testid="sensor-chart"]', 'data-render-ms'));
        const drawn = Number(
          await p.getAttribute('[data-testid="sensor-chart"]', 'data-rendered-points'),
        );
        if (drawn !== points) throw new Error(`chart drew ${drawn} points, not ${points}`);
        into.push(ms);
        await ctx.close();
      }
      process.stdout.write(`rep ${rep + 1}/${REPS} done\n`);
    }
    const m = (xs: number[]) => median(xs);
    const b = bundleSizes();
    console.log('');
    console.log(`dashboard, ${expected} servers (medians of ${REPS}; ms from navigation start)`);
    console.log(`  cold load, every tile in the DOM   ${fix(m(fig.cold), 0)} ms`);
    console.log(`    first contentful paint           ${fix(m(fig.fcp), 0)} ms`);
    console.log(
      `    DOMContentLoaded / load          ${fix(m(fig.dcl), 0)} / ${fix(m(fig.load), 0)} ms`,
    );
    console.log(`    document bytes (server-rendered) ${fix(m(fig.docBytes) / 1024, 1)} KiB`);
    console.log(
      `    scripts+styles fetched           ${fix(m(fig.assetBytes) / 1024, 1)} KiB (as transferred)`,
    );
    console.log(`  baseline: cold load of Upgrade     ${fix(m(fig.coldBase), 0)} ms`);
    console.log(`  ratio cold dashboard / baseline    ${fix(m(fig.cold) / m(fig.coldBase), 2)}`);
    console.log(
      `  without gzip: cold load ${fix(m(fig.coldPlain), 0)} ms, first paint ${fix(m(fig.fcpPlain), 0)} ms, document ${fix(m(fig.docBytesPlain) / 1024, 1)} KiB`,
    );
    console.log(`  ratio cold gzip / without          ${fix(m(fig.cold) / m(fig.coldPlain), 2)}`);
    console.log(`  warm reload, every tile            ${fix(m(fig.warm), 0)} ms`);
    console.log(`  navigation Insights → Fleet        ${fix(m(fig.nav), 0)} ms`);
    console.log(`  baseline: Fleet → Insights         ${fix(m(fig.navBase), 0)} ms`);
    console.log(`  ratio navigation / baseline        ${fix(m(fig.nav) / m(fig.navBase), 2)}`);
    console.log(`chart (uPlot): construct + first draw`);
    console.log(`  7 days, ${CHART_POINTS} points          ${fix(m(fig.chart), 1)} ms`);
    console.log(`  baseline 1 day, 1440 points        ${fix(m(fig.chartBase), 1)} ms`);
    console.log(
      `  ratio                              ${fix(m(fig.chart) / m(fig.chartBase), 2)} (points ratio ${fix(CHART_POINTS / 1440, 1)})`,
    );
    console.log(`bundle (web/build/client/_app/immutable: ${b.files} files)`);
    console.log(
      `  raw ${fix(b.raw / 1024, 1)} KiB (js ${fix(b.js / 1024, 1)}, css ${fix(b.css / 1024, 1)}), gzip ${fix(b.gzip / 1024, 1)} KiB, brotli ${fix(b.br / 1024, 1)} KiB`,
    );
  } finally {
    await browser?.close();
    await product.stop();
    await plain.stop();
    await t.close();
  }
}

await main();
