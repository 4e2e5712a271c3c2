// What the browser tests share (dashboard_test.mjs, oidc_test.mjs): checks
// that name what failed, numbers as the dashboard prints them compared with
// the API's, starting and stopping `ketenflow serve`, and page helpers.
import {spawn, spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// The tests' folder, the repository, the binary and the browser, as ctest
// passes them (CMakeLists.txt) or as a run from the repository finds them.
export const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir =
    path.resolve(process.env.KETENFLOW_SOURCE_DIR || path.join(here, '..', '..'));
export const bin =
    path.resolve(process.env.KETENFLOW_BIN || path.join(sourceDir, 'build', 'ketenflow'));
export const chainsDir = path.join(sourceDir, 'chains');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// Headless Debian chromium through playwright-core.
export async function launchChromium() {
  let chromium;
  try {
    ({chromium} = await import('playwright-core'));
  } catch {
    throw new CheckFailed(
        `playwright-core is not installed: run \`npm ci\` in ${here} (scripts/setup.sh does)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
  });
}

export class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

// `bin ARGS...`'s standard output; a failed check when it exits non-zero.
export function runKetenflow(bin, args) {
  const result = spawnSync(bin, args, {encoding: 'utf8'});
  if (result.error) throw new CheckFailed(`cannot run ${bin}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new CheckFailed(
        `ketenflow ${args[0]} failed (exit ${result.status}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

// Numbers as the dashboard prints them (web/format.js): "1.234", "3,4 d",
// "82 %", "<10", "—".

export function parseNl(text) {
  const cleaned =
      text.replace(/\s*(d|%|werkdagen)\s*$/, '').replace(/\./g, '').replace(',', '.').trim();
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : NaN;
}

export function decimalsOf(text) {
  const m = /,(\d+)/.exec(text);
  return m ? m[1].length : 0;
}

// A count on screen equals the API's count (a number, or "<k" for analysts).
export function expectCount(screen, api, what) {
  if (typeof api === 'string') {
    check(screen.trim() === api, `${what}: screen shows "${screen}", API says "${api}"`);
    return;
  }
  check(parseNl(screen) === (api ?? 0), `${what}: screen shows "${screen}", API says ${api ?? 0}`);
}

// Days on screen equal seconds from the API, to the shown precision.
export function expectDays(screen, seconds, what) {
  if (seconds === undefined) {
    check(
        screen.trim() === '—',
        `${what}: screen shows "${screen}", API has no value (expected "—")`);
    return;
  }
  const shown = parseNl(screen);
  const tolerance = 0.5 * 10 ** -decimalsOf(screen) + 1e-9;
  check(
      Math.abs(shown - seconds / 86400) <= tolerance,
      `${what}: screen shows "${screen}", API says ${(seconds / 86400).toFixed(3)} days`);
}

export function expectShare(screen, share, what) {
  if (share === undefined) {
    check(
        screen.trim() === '—',
        `${what}: screen shows "${screen}", API has no share (expected "—")`);
    return;
  }
  check(
      Math.abs(parseNl(screen) - share * 100) <= 0.5 + 1e-9,
      `${what}: screen shows "${screen}", API says ${(share * 100).toFixed(2)} %`);
}

// A statistic the dashboard shows: absent when suppressed or not measured.
export function stat(stats, key) {
  if (!stats || typeof stats.count === 'string' || !(stats.count > 0)) return undefined;
  return typeof stats[key] === 'number' ? stats[key] : undefined;
}

export function apiClient(base, token) {
  return async (route, params = {}) => {
    const query =
        new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined));
    const url = `${base}${route}${query.size ? '?' + query : ''}`;
    const response = await fetch(url, {headers: {Authorization: `Bearer ${token}`}});
    const body = await response.text();
    return {
      status: response.status,
      json: response.headers.get('content-type')?.includes('json') ? JSON.parse(body) : null,
      body
    };
  };
}

export async function apiJson(api, route, params) {
  const r = await api(route, params);
  check(r.status === 200, `GET ${route} answered ${r.status}: ${r.body.slice(0, 300)}`);
  return r.json;
}

// ---------------------------------------------------------------------------
// Page helpers.

export async function waitReady(page, what) {
  try {
    await page.waitForFunction(
        () => document.body.dataset.state === 'ready', null, {timeout: 20000});
  } catch {
    const banner = await page.locator('[data-testid=banner]').textContent().catch(() => '');
    throw new CheckFailed(`${what}: the dashboard did not finish loading within 20 s ${
        banner ? `(banner: ${banner})` : ''}`);
  }
  const errors = await page.locator('[data-testid=panel-error]').allTextContents();
  check(errors.length === 0, `${what}: a panel shows an error: ${errors.join(' | ')}`);
}

export async function text(page, testid, what) {
  const loc = page.locator(`[data-testid="${testid}"]`);
  const n = await loc.count();
  check(n >= 1, `${what}: no element with data-testid="${testid}" on screen`);
  return (await loc.first().textContent()) ?? '';
}

// Sets the period and granularity through the filter bar, as a user would.
export async function choosePeriod(page, from, toExclusive, by) {
  const last = new Date(`${toExclusive}T12:00:00Z`);
  last.setUTCDate(last.getUTCDate() - 1);
  const toInclusive = last.toISOString().slice(0, 10);
  await page.locator(`[data-testid=by-${by}]`).check({force: true});
  await waitReady(page, `granularity ${by}`);
  await page.locator('[data-testid=from]').fill(from);
  await page.locator('[data-testid=from]').dispatchEvent('change');
  await waitReady(page, `from ${from}`);
  await page.locator('[data-testid=to]').fill(toInclusive);
  await page.locator('[data-testid=to]').dispatchEvent('change');
  await waitReady(page, `to ${toInclusive}`);
}

export async function chooseChain(page, chainId) {
  await page.locator('[data-testid=chain-select]').selectOption(chainId);
  await waitReady(page, `chain ${chainId}`);
}

export const key = (t) => `${t.from}--${t.to}`;

// Flow map: every stage's entries and every transition's count and median.
export async function checkFlow(page, api, chainId, period, role) {
  const flow = await apiJson(api, `/v1/chains/${chainId}/flow`, period);
  check((flow.transitions ?? []).length > 0, `${role}: /flow of ${chainId} has no transitions`);
  for (const s of flow.stages ?? []) {
    expectCount(
        await text(page, `stage-entries-${s.stage}`, role), s.entries,
        `${role} ${chainId} stage ${s.stage} entries`);
    expectCount(
        await text(page, `stage-wip-${s.stage}`, role), s.wip,
        `${role} ${chainId} stage ${s.stage} wip`);
  }
  for (const t of flow.transitions) {
    expectCount(
        await text(page, `flow-count-${key(t)}`, role), t.count,
        `${role} ${chainId} transition ${t.from}->${t.to} count`);
    expectDays(
        await text(page, `flow-p50-${key(t)}`, role), stat(t.delay, 'p50Seconds'),
        `${role} ${chainId} transition ${t.from}->${t.to} median`);
  }
  return flow;
}


// Starts `bin` with `args` (a `ketenflow serve --http` command line) and
// resolves to the URL it prints it listens on; `onSpawn` gets the process at
// once, so the caller can stop it whatever happens.
export async function startServer(bin, args, onSpawn) {
  const child = spawn(bin, args, {stdio: ['ignore', 'ignore', 'pipe']});
  onSpawn(child);
  let stderr = '';
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(
        () => reject(new CheckFailed(
            `ketenflow serve printed no "listening on" line within 30 s; stderr:\n${stderr}`)),
        30000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
          new CheckFailed(`ketenflow serve exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
  child.stderr.resume();
  return address;
}

// SIGTERM, then SIGKILL after 10 s; resolves when the process is gone.
export async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 10000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// Runs `main`, then `cleanup` (also after a failure or Ctrl-C); a failure
// exits 1 with `[name] FAILED during STEP: message`.
export async function runTest(name, main, cleanup, currentStep) {
  process.on('SIGINT', () => {
    cleanup().finally(() => process.exit(130));
  });
  try {
    await main();
    await cleanup();
  } catch (err) {
    await cleanup();
    const message = err instanceof CheckFailed ? err.message : err.stack || String(err);
    process.stderr.write(`[${name}] FAILED during ${currentStep()}: ${message}\n`);
    process.exit(1);
  }
}
