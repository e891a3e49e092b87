import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { canUseOwnHostname, startProducer, startService, startTripwireProxy, stopService } from './processes';
import type { Service } from './processes';
import { startTcpProxy } from '../support/tcp-proxy';
import type { TcpProxy } from '../support/tcp-proxy';

const CHROMIUM = '/usr/bin/chromium';
const requireBrowser = !['', '0', undefined].includes(process.env.FOGPAIR_REQUIRE_BROWSER);
const chromiumMissing = !existsSync(CHROMIUM);

if (chromiumMissing && !requireBrowser) {
  const rule = '!'.repeat(80);
  console.warn(
    `\n${rule}\n  SKIPPED: the dashboard browser test needs Chromium at ${CHROMIUM}` +
      `\n  (apt-get install -y chromium). Set FOGPAIR_REQUIRE_BROWSER=1 to make this a failure.\n${rule}\n`,
  );
}

/** Hosts Chromium itself calls (updates, account checks); the page never has a reason to. */
const CHROMIUM_HOUSEKEEPING =
  /^(CONNECT|GET|POST) (http:\/\/)?(update\.googleapis\.com|accounts\.google\.com|clients2\.google\.com)[:/]/;

const POLL_INTERVAL_MS = 200;
const REPLICAS = ['producer-1', 'producer-2', 'producer-3'];

/** What the page shows, read the way a person would: from its text. */
async function readPage(page: Page) {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent.trim() ?? '';
    const histogramTotal = [...document.querySelectorAll('#histogram-table tbody td')].reduce(
      (sum, cell) => sum + Number(cell.textContent),
      0,
    );
    const instances = [...document.querySelectorAll('#instances-body tr')]
      .map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent.trim()))
      .filter((cells) => cells.length === 4)
      .map(([name = '', answers = '']) => ({ name, answers: Number(answers) }));
    const errors = [...document.querySelectorAll('#errors li:not(.muted)')].map((item) => item.textContent);
    return {
      latest: text('latest-number'),
      latestDetail: text('latest-detail'),
      histogramTotal,
      instances,
      instanceAnswers: instances.reduce((sum, instance) => sum + instance.answers, 0),
      verdict: text('verdict'),
      verdictDetail: text('verdict-detail'),
      recentSummary: text('recent-summary'),
      breaker: text('breaker'),
      connection: text('connection'),
      errors,
    };
  });
}

/** The widest number, 180, drawn in the big number's place, stays inside its card. */
async function bigNumberFitsItsCard(page: Page): Promise<boolean> {
  return page.$eval('#latest-number', (element) => {
    const shown = element.textContent;
    element.textContent = '180';
    const range = document.createRange();
    range.selectNodeContents(element);
    const text = range.getBoundingClientRect();
    const card = element.closest('.card')?.getBoundingClientRect();
    element.textContent = shown;
    return card !== undefined && text.left >= card.left && text.right <= card.right;
  });
}

(chromiumMissing && !requireBrowser ? describe.skip : describe)('dashboard in a real browser', () => {
  const services: Service[] = [];
  let balancer: TcpProxy;
  let tripwire: Awaited<ReturnType<typeof startTripwireProxy>>;
  let consumer: Service;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;
  /** Every consumer this test started; the only places the browser may talk to. */
  const origins = new Set<string>();
  const requested: string[] = [];
  const problems: string[] = [];
  let ownHostnames = false;

  beforeAll(async () => {
    if (chromiumMissing) {
      throw new Error(
        `FOGPAIR_REQUIRE_BROWSER is set but there is no Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
      );
    }
    if (!existsSync('consumer/dist/consumer.cjs') || !existsSync('producer/dist/main.js')) {
      throw new Error('Build first: npm run build (npm run test:browser does it)');
    }
    ownHostnames = canUseOwnHostname();
    if (!ownHostnames && requireBrowser) {
      // Without a host name per producer, "every replica answers" cannot be told apart from one.
      throw new Error(
        'FOGPAIR_REQUIRE_BROWSER is set but `unshare --uts` is not allowed here (needs root or user ' +
          'namespaces), so "every replica answers" cannot be checked',
      );
    }
    if (!ownHostnames) {
      console.warn('SKIPPED part: unshare --uts is not allowed here, so "every replica answers" is not checked');
    }
    services.push(...(await Promise.all(REPLICAS.map((name) => startProducer(name, ownHostnames)))));
    balancer = await startTcpProxy(services.map((service) => service.port));
    // The bundle: the one file a container image ships.
    consumer = await startService(
      'consumer',
      {
        PRODUCER_URL: `http://127.0.0.1:${balancer.port}/number`,
        POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
        REQUEST_TIMEOUT_MS: String(POLL_INTERVAL_MS - 10),
        STATUS_PORT: '0',
        STATUS_HOST: '127.0.0.1',
      },
      'bundle',
    );
    services.push(consumer);
    origin = `http://127.0.0.1:${consumer.port}`;
    origins.add(origin);

    tripwire = await startTripwireProxy();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        // Loopback goes direct; anything else would have to pass the tripwire.
        `--proxy-server=http://127.0.0.1:${tripwire.port}`,
      ],
    });
    // The dark theme is what a projector shows best; no animation mid-flight in the screenshot.
    context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      colorScheme: 'dark',
      reducedMotion: 'reduce',
    });
    context.on('request', (request) => requested.push(request.url()));
    context.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console: ${message.text()}`);
    });
    context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
  }, 60_000);

  afterAll(async () => {
    // Each may be missing when beforeAll failed half-way.
    await (browser as Browser | undefined)?.close();
    await Promise.all(services.map(stopService));
    await (balancer as TcpProxy | undefined)?.close();
    (tripwire as typeof tripwire | undefined)?.server.close();
  });

  it('shows numbers arriving live, the histogram and the instances growing, and the errors', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('latest-number')?.textContent ?? ''));
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const first = await readPage(page);
    expect(Number(first.latest)).toBeGreaterThanOrEqual(1);
    expect(Number(first.latest)).toBeLessThanOrEqual(180);
    expect(first.connection).toBe('live');
    expect(first.breaker).toBe('closed'); // the consumer has a circuit breaker since the resilience merge

    // Live: a different number and more counts, without a reload.
    await page.waitForFunction(
      (before) => {
        const latest = document.getElementById('latest-detail')?.textContent;
        return latest !== before;
      },
      first.latestDetail,
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      (before) => document.getElementById('latest-number')?.textContent !== before,
      first.latest,
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      (before) =>
        [...document.querySelectorAll('#histogram-table tbody td')].reduce((s, c) => s + Number(c.textContent), 0) >
        before + 5,
      first.histogramTotal,
      { timeout: 10_000 },
    );
    const later = await readPage(page);
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
    expect(later.histogramTotal).toBeGreaterThan(first.histogramTotal);
    expect(later.instanceAnswers).toBeGreaterThan(first.instanceAnswers);
    expect(later.instanceAnswers).toBe(later.histogramTotal);
    expect(later.recentSummary).toMatch(/^The last \d+ numbers/);
    if (ownHostnames) {
      // New connection per poll + a connection balancer: every replica answers.
      expect(later.instances.map((instance) => instance.name).sort()).toEqual(REPLICAS);
    }

    // A replica dies: the failed poll shows up under "Last errors", and the others carry on.
    const victim = services[2] as Service;
    await stopService(victim);
    // Other errors (a timeout on a busy machine) may come too; this one must.
    await page.waitForFunction(
      () => [...document.querySelectorAll('#errors li')].some((item) => /reset|refused/.test(item.textContent)),
      undefined,
      { timeout: 10_000 },
    );
    expect(balancer.removed()).toEqual([victim.port]);

    // Enough numbers for a verdict over many groups, and for a screenshot worth showing.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#histogram-table tbody td')].reduce((s, c) => s + Number(c.textContent), 0) >=
        100,
      undefined,
      { timeout: 60_000 },
    );
    const final = await readPage(page);
    expect(final.verdict).toMatch(/^(Looks uniform|Borderline|Not uniform)/);
    expect(final.verdictDetail).toMatch(/^χ² = [\d.]+ with \d+ degrees of freedom, p [<=] /);
    // Into a temporary folder: a test run writes nothing into the repository. `npm run
    // docs:screenshot` sets FOGPAIR_SCREENSHOT=docs/dashboard.png to refresh the docs' picture.
    const screenshot = process.env.FOGPAIR_SCREENSHOT || join(mkdtempSync(join(tmpdir(), 'fogpair-')), 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    if (!process.env.FOGPAIR_SCREENSHOT) rmSync(dirname(screenshot), { recursive: true });

    const bigNumberPx = await page.$eval('#latest-number', (element) => parseFloat(getComputedStyle(element).fontSize));
    expect(bigNumberPx).toBeGreaterThanOrEqual(96);
    expect(await bigNumberFitsItsCard(page)).toBe(true);
    await page.close();
  }, 120_000);

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on('request', (request) => requested.push(request.url()));
    const page = await phone.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('latest-number')?.textContent ?? ''));
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    expect(await bigNumberFitsItsCard(page)).toBe(true);
    await phone.close();
  }, 30_000);

  it('works the same from the tsc output (node consumer), not only from the bundle', async () => {
    const unbundled = await startService(
      'consumer',
      {
        PRODUCER_URL: `http://127.0.0.1:${balancer.port}/number`,
        POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
        REQUEST_TIMEOUT_MS: String(POLL_INTERVAL_MS - 10),
        STATUS_PORT: '0',
        STATUS_HOST: '127.0.0.1',
      },
      'main',
    );
    services.push(unbundled);
    origins.add(`http://127.0.0.1:${unbundled.port}`);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${unbundled.port}/`);
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('latest-number')?.textContent ?? ''));
    const first = await readPage(page);
    await page.waitForFunction(
      (before) => document.getElementById('latest-detail')?.textContent !== before,
      first.latestDetail,
    );
    expect((await readPage(page)).histogramTotal).toBeGreaterThan(first.histogramTotal);
    await page.close();
  }, 30_000);

  it('made no request beyond the consumer, and the page logged no errors', () => {
    expect(requested.length).toBeGreaterThan(0);
    const elsewhere = requested.filter((url) => !url.startsWith('data:') && !origins.has(new URL(url).origin));
    expect(elsewhere).toEqual([]);
    // Chromium's own housekeeping (component updater, Google account check) tries these whatever
    // the flags; the tripwire refuses them, so they never leave the machine. Anything else that
    // reaches it (a CDN, a web font) came from the page, and fails the test.
    const housekeeping = tripwire.attempts.filter((line) => CHROMIUM_HOUSEKEEPING.test(line));
    if (housekeeping.length > 0) {
      console.info(`Chromium's own background requests, refused by the tripwire:\n  ${housekeeping.join('\n  ')}`);
    }
    expect(tripwire.attempts.filter((line) => !CHROMIUM_HOUSEKEEPING.test(line))).toEqual([]);
    expect(problems).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([`${origin}/`, `${origin}/dashboard.css`, `${origin}/dashboard.js`, `${origin}/events`]),
    );
  });
});
