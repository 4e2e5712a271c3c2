// Browser test of the dashboard (README "Dashboard"): simulates events for two
// chains, ingests them, starts `ketenflow serve --http` on a loopback port and
// drives headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) as an admin, an operator and an analyst. Every number the
// test reads off the screen is compared with the API's answer for the same
// route and token. Screenshots go to $SCREENSHOT_DIR (default
// build/screenshots). Exits non-zero with a message naming the first failed
// check; the server is always stopped.
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {
  apiClient,
  apiJson,
  bin,
  chainsDir,
  check,
  CheckFailed,
  checkFlow,
  chooseChain,
  choosePeriod,
  expectCount,
  expectDays,
  expectShare,
  key,
  launchChromium,
  runKetenflow,
  runTest,
  sourceDir,
  startServer as startServeProcess,
  stat,
  stopProcess,
  text,
  waitReady,
} from './checks.mjs';

const shotDir =
    path.resolve(process.env.SCREENSHOT_DIR || path.join(sourceDir, 'build', 'screenshots'));

// The busy chain (full year of arrivals) and the small one (for "<10").
const BUSY = {
  id: 'wonen-eerst',
  clients: 400,
  seed: 11
};
const SMALL = {
  id: 'detentie-terugkeer',
  clients: 60,
  seed: 5
};
const YEAR = {
  from: '2024-01-01',
  to: '2025-01-01'
};
const OPERATOR_PARTNER = 'mo-denbosch';

let server = null;
let browser = null;
let work = null;
let step = 'start';

function log(message) {
  process.stdout.write(`[dashboard_test] ${message}\n`);
}

const run = (args) => runKetenflow(bin, args);

async function startServer(dataDir, tokensFile) {
  return startServeProcess(
      bin,
      [
        'serve', '--data', dataDir, '--chains', chainsDir, '--http', '127.0.0.1:0', '--tokens',
        tokensFile
      ],
      (child) => {
        server = child;
      });
}

// Full page, or only the window (with a dialog open, whose backdrop covers only the window).
async function shot(page, name, fullPage = true) {
  if (fullPage) {
    await page.evaluate(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
  }
  await page.screenshot({path: path.join(shotDir, `${name}.png`), fullPage});
}

// The distribution panel shows the selected transition's numbers.
async function checkDistribution(page, t, role) {
  const what = `${role} distribution ${t.from}->${t.to}`;
  expectCount(await text(page, 'dist-count', what), t.count, `${what} count`);
  for (const [id, field] of [
           ['dist-min', 'minSeconds'], ['dist-p50', 'p50Seconds'], ['dist-p80', 'p80Seconds'],
           ['dist-p90', 'p90Seconds'], ['dist-p95', 'p95Seconds'], ['dist-max', 'maxSeconds'],
           ['dist-mean', 'meanSeconds']]) {
    expectDays(await text(page, id, what), stat(t.delay, field), `${what} ${field}`);
  }
  const share = t.norm?.days && typeof t.count !== 'string' ? t.norm.share : undefined;
  expectShare(await text(page, 'dist-share', what), share, `${what} share within norm`);
}

// Goal tiles from /goals, or the basic tiles from /kpis when the chain has no goals.
async function checkTiles(page, api, chainId, period, role) {
  const goals = await api(`/v1/chains/${chainId}/goals`, period);
  const measures =
      goals.status === 200 ? (goals.json.goals ?? []).flatMap((g) => g.measures ?? []) : [];
  if (measures.length) {
    for (const node of measures) {
      for (const m of [node, ...(node.contributions ?? [])]) {
        const r = m.current;
        const screen =
            await text(page, `measure-value-${r.measure}`, `${role} measure ${r.measure}`);
        const what = `${role} ${chainId} measure ${r.measure}`;
        if (r.kind === 'duration' && !r.normDays) {
          expectDays(screen, stat(r.duration, 'p50Seconds'), `${what} median`);
        } else {
          const clients = typeof r.clients === 'number' ? r.clients : 0;
          expectShare(
              screen, clients > 0 && typeof r.share === 'number' ? r.share : undefined, what);
        }
      }
      expectCount(
          await text(page, `measure-clients-${node.current.measure}`, role), node.current.clients,
          `${role} ${chainId} measure ${node.current.measure} clients`);
    }
    return `${measures.length} goal measures`;
  }
  check(
      goals.status === 200 || goals.status === 404,
      `/goals answered ${goals.status}: ${goals.body}`);
  const report = await apiJson(api, `/v1/chains/${chainId}/kpis`, period);
  const chain = await apiJson(api, `/v1/chains/${chainId}`);
  const first = [...chain.stages].sort((a, b) => (a.rank || 1e9) - (b.rank || 1e9))[0].id;
  const entries = report.stages.find((s) => s.stage === first)?.entries;
  expectCount(await text(page, 'tile-entries', role), entries, `${role} tile entries`);
  expectCount(
      await text(page, 'tile-completed', role), report.leadTime?.count, `${role} tile completed`);
  expectDays(
      await text(page, 'tile-lead-time', role), stat(report.leadTime, 'p50Seconds'),
      `${role} tile lead time`);
  expectDays(
      await text(page, 'tile-lead-time-p90', role), stat(report.leadTime, 'p90Seconds'),
      `${role} tile lead time p90`);
  expectDays(
      await text(page, 'tile-case-duration', role), stat(report.caseDuration, 'p50Seconds'),
      `${role} tile case duration`);
  expectCount(
      await text(page, 'tile-case-count', role), report.caseDuration?.count,
      `${role} tile case count`);
  return 'basic tiles (no goals)';
}

// Points on the "instroom en afgerond" chart: one per period and series with a value.
async function checkTrend(page, api, chainId, period, by, role) {
  const report = await apiJson(api, `/v1/chains/${chainId}/kpis`, {...period, by});
  const chain = await apiJson(api, `/v1/chains/${chainId}`);
  const first = [...chain.stages].sort((a, b) => (a.rank || 1e9) - (b.rank || 1e9))[0].id;
  let expected = 0;
  for (const p of report.periods ?? []) {
    const entries = p.stages?.find((s) => s.stage === first)?.entries;
    if (typeof entries === 'number') expected++;
    if (typeof p.leadTime?.count === 'number') expected++;
  }
  const points = await page.locator('svg[data-testid=trend-counts] circle').count();
  check(
      points === expected,
      `${role} ${chainId} trend per ${by}: ${points} points on screen, ` +
          `${expected} values in the API's ${report.periods?.length ?? 0} periods`);
  return report.periods?.length ?? 0;
}

// Opens the dashboard with a token in the fragment and checks it is taken out of the URL.
async function openWithToken(context, base, token, role) {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.consoleErrors = consoleErrors;
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  await waitReady(page, `${role} first load`);
  check(!page.url().includes(token), `${role}: the token is still in the URL (${page.url()})`);
  const who = await text(page, 'who', role);
  check(who.length > 0, `${role}: no user shown in the top bar`);
  return page;
}

function noConsoleErrors(page, role) {
  const errors = page.consoleErrors.filter((e) => !/status of 404/.test(e));
  check(errors.length === 0, `${role}: errors in the browser console: ${errors.join(' | ')}`);
}

// ---------------------------------------------------------------------------

async function main() {
  mkdirSync(shotDir, {recursive: true});
  work = mkdtempSync(path.join(tmpdir(), 'ketenflow-browser-'));
  const data = path.join(work, 'store');
  const tokens = path.join(work, 'tokens');

  step = 'simulate and ingest';
  const files = [];
  for (const c of [BUSY, SMALL]) {
    const file = path.join(work, `${c.id}.ndjson`);
    run([
      'simulate', '--chain', path.join(chainsDir, `${c.id}.yaml`), '--clients', String(c.clients),
      '--seed', String(c.seed), '--start', '2024-01-01', '--out', file
    ]);
    files.push(file);
  }
  run(['ingest', '--data', data, '--chains', chainsDir, '--quiet', ...files]);

  step = 'tokens';
  const token = (name, role, partner) => {
    const args = ['tokens', 'add', '--file', tokens, '--name', name, '--role', role];
    if (partner) args.push('--partner', partner);
    const out = run(args).trim();
    check(/^\S{16,}$/.test(out), `tokens add printed "${out}", expected the token alone`);
    return out;
  };
  const adminToken = token('test-admin', 'admin');
  const analystToken = token('test-analyst', 'analyst');
  const operatorToken = token('test-operator', 'operator', OPERATOR_PARTNER);

  step = 'serve';
  const base = await startServer(data, tokens);
  log(`server at ${base}`);

  browser = await launchChromium();
  const newContext = () => browser.newContext(
      {viewport: {width: 1366, height: 768}, locale: 'nl-NL', timezoneId: 'Europe/Amsterdam'});

  // --- sign-in form ---------------------------------------------------------
  step = 'sign-in form';
  {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid=token-input]', {state: 'visible', timeout: 15000});
    await shot(page, '00-login');
    await page.locator('[data-testid=token-input]').fill('not-a-token');
    await page.locator('[data-testid=login-submit]').click();
    await page.waitForSelector('[data-testid=login-message]', {state: 'visible', timeout: 10000});
    const message = await text(page, 'login-message', 'bad token');
    check(/token/i.test(message), `bad token: message "${message}" does not mention the token`);
    await shot(page, '00-login-refused');
    await page.locator('[data-testid=token-input]').fill(adminToken);
    await page.locator('[data-testid=login-submit]').click();
    await waitReady(page, 'sign-in with the form');
    await context.close();
    log('sign-in form: a bad token is refused with a message, a good one opens the dashboard');
  }

  // --- admin ----------------------------------------------------------------
  step = 'admin';
  {
    const api = apiClient(base, adminToken);
    const context = await newContext();
    const page = await openWithToken(context, base, adminToken, 'admin');
    await chooseChain(page, BUSY.id);
    await choosePeriod(page, YEAR.from, YEAR.to, 'month');
    const flow = await checkFlow(page, api, BUSY.id, YEAR, 'admin');
    const tiles = await checkTiles(page, api, BUSY.id, YEAR, 'admin');
    const months = await checkTrend(page, api, BUSY.id, YEAR, 'month', 'admin');
    await shot(page, '01-admin-year');

    // Click the arrow of the busiest transition, then pick another from the list.
    const busiest = [...flow.transitions].sort((a, b) => b.count - a.count)[0];
    await page.locator(`[data-transition="${busiest.from}→${busiest.to}"] .edge-line`).click({
      force: true
    });
    await page.waitForFunction(
        (k) => document.querySelector('[data-testid=transition-select]').value === k,
        `${busiest.from}→${busiest.to}`, {timeout: 5000});
    await checkDistribution(page, busiest, 'admin (clicked arrow)');
    const other =
        flow.transitions.find((t) => t !== busiest && t.norm?.days) ?? flow.transitions.at(-1);
    await page.locator('[data-testid=transition-select]').selectOption(`${other.from}→${other.to}`);
    await checkDistribution(page, other, 'admin (picked from list)');
    await page.locator('#dist-panel').screenshot({
      path: path.join(shotDir, '02-admin-distribution.png')
    });

    // Weekly trend over the first quarter.
    const quarter = {from: '2024-01-01', to: '2024-04-01'};
    await choosePeriod(page, quarter.from, quarter.to, 'week');
    await checkFlow(page, api, BUSY.id, quarter, 'admin Q1');
    await checkTiles(page, api, BUSY.id, quarter, 'admin Q1');
    const weeks = await checkTrend(page, api, BUSY.id, quarter, 'week', 'admin Q1');
    await shot(page, '03-admin-q1-weeks');

    // Stuck list (overdue), then a client's path.
    await choosePeriod(page, YEAR.from, YEAR.to, 'month');
    const stuck = await apiJson(api, `/v1/chains/${BUSY.id}/stuck`, {overdue: 'true', limit: 200});
    const rows = await page.locator('[data-testid=stuck-row]').count();
    check(
        rows === (stuck.visits ?? []).length,
        `admin stuck list: ${rows} rows on screen, API lists ${(stuck.visits ?? []).length}`);
    check(rows > 0, 'admin stuck list: the simulated data should leave overdue clients');
    const firstRef = stuck.visits[0].clientRef;
    const firstRow = page.locator('[data-testid=stuck-row]').first();
    check(
        (await firstRow.textContent()).includes(firstRef),
        `admin stuck list: first row is not the oldest client ${firstRef.slice(0, 4)}…`);
    expectDays(
        await firstRow.locator('[data-testid=stuck-days]').textContent(),
        stuck.visits[0].daysWaiting * 86400, 'admin stuck list days waiting');
    await firstRow.click();
    await page.waitForSelector('[data-testid=path-visit]', {timeout: 10000});
    const clientPath =
        await apiJson(api, `/v1/chains/${BUSY.id}/clients/${encodeURIComponent(firstRef)}`);
    const visits = await page.locator('[data-testid=path-visit]').count();
    check(
        visits === clientPath.visits.length,
        `admin client path: ${visits} visits on screen, API has ${clientPath.visits.length}`);
    await shot(page, '04-admin-client-path', false);
    await page.keyboard.press('Escape');

    // Chain switch.
    await chooseChain(page, SMALL.id);
    await checkFlow(page, api, SMALL.id, YEAR, 'admin small chain');
    noConsoleErrors(page, 'admin');
    await context.close();
    log(`admin: flow map, ${tiles}, ${months} months and ${weeks} weeks of trend, ` +
        `distributions of 2 transitions, ${rows} stuck clients and a client path match the API`);
  }

  // --- operator -------------------------------------------------------------
  step = 'operator';
  {
    const api = apiClient(base, operatorToken);
    const context = await newContext();
    const page = await openWithToken(context, base, operatorToken, 'operator');
    await chooseChain(page, BUSY.id);
    await choosePeriod(page, YEAR.from, YEAR.to, 'month');
    await checkFlow(page, api, BUSY.id, YEAR, 'operator');
    await checkTiles(page, api, BUSY.id, YEAR, 'operator');
    const stuck = await apiJson(api, `/v1/chains/${BUSY.id}/stuck`, {overdue: 'true', limit: 200});
    const rows = await page.locator('[data-testid=stuck-row]').count();
    check(
        rows === (stuck.visits ?? []).length,
        `operator stuck list: ${rows} rows on screen, API lists ${(stuck.visits ?? []).length}`);
    // All open visits, not only overdue ones.
    await page.locator('[data-testid=stuck-overdue]').uncheck();
    const all = await apiJson(api, `/v1/chains/${BUSY.id}/stuck`, {limit: 200});
    await page
        .waitForFunction(
            (n) => document.querySelectorAll('[data-testid=stuck-row]').length === n,
            (all.visits ?? []).length, {timeout: 10000})
        .catch(() => {});
    const allRows = await page.locator('[data-testid=stuck-row]').count();
    check(
        allRows === (all.visits ?? []).length,
        `operator open visits: ${allRows} rows on screen, API lists ${(all.visits ?? []).length}`);
    await shot(page, '05-operator');
    noConsoleErrors(page, 'operator');
    await context.close();
    log(`operator (${OPERATOR_PARTNER}): flow map and tiles match; ${rows} overdue and ${
        allRows} open visits match`);
  }

  // --- analyst --------------------------------------------------------------
  step = 'analyst';
  {
    const api = apiClient(base, analystToken);
    const context = await newContext();
    const page = await openWithToken(context, base, analystToken, 'analyst');
    check(await page.locator('#stuck-panel').isHidden(), 'analyst: the stuck-case list is visible');
    await chooseChain(page, BUSY.id);
    await choosePeriod(page, YEAR.from, YEAR.to, 'month');
    await checkFlow(page, api, BUSY.id, YEAR, 'analyst');
    await checkTiles(page, api, BUSY.id, YEAR, 'analyst');
    // The small chain over one month: cells below k.
    const month = {from: '2024-03-01', to: '2024-04-01'};
    await chooseChain(page, SMALL.id);
    await choosePeriod(page, month.from, month.to, 'week');
    const flow = await checkFlow(page, api, SMALL.id, month, 'analyst small chain');
    const hidden = flow.transitions.filter((t) => typeof t.count === 'string');
    check(
        hidden.length > 0,
        `analyst: no transition of ${SMALL.id} in ${month.from} is below k; ` +
            'the test data should produce one');
    const small = hidden[0];
    check(
        small.count.startsWith('<'),
        `analyst: suppressed count is "${small.count}", expected "<k"`);
    await page.locator('[data-testid=transition-select]').selectOption(`${small.from}→${small.to}`);
    await checkDistribution(page, small, 'analyst (below k)');
    await checkTiles(page, api, SMALL.id, month, 'analyst small chain');
    await shot(page, '06-analyst-small-chain');
    noConsoleErrors(page, 'analyst');
    // A token that stops working mid-session (401) leads back to the form with a message.
    await page.evaluate(() => sessionStorage.setItem('ketenflow.token', 'revoked'));
    await page.locator('[data-preset=all]').click();
    await page.waitForSelector('[data-testid=login-message]', {state: 'visible', timeout: 10000});
    const message = await text(page, 'login-message', 'analyst after 401');
    check(/token/i.test(message), `after a 401 the form says "${message}", not about the token`);
    await context.close();
    log(`analyst: stuck list hidden; ${hidden.length} transitions shown as "${
        small.count}" like the API`);
  }
}

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  await stopProcess(server);
  if (work && !process.env.KEEP_TMP) rmSync(work, {recursive: true, force: true});
}

await runTest('dashboard_test', main, cleanup, () => step);
log(`passed; screenshots in ${shotDir}`);
