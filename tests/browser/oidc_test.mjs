// Login through a real Keycloak (README "Login with your organisation's
// account"): starts Keycloak (scripts/keycloak.sh fetches it from Maven
// Central; Java 21 or newer) with the realms of tests/oidc/, and
// `ketenflow serve --oidc-issuer` against it. The API takes Keycloak's
// tokens for an operator and an analyst and refuses an expired one, one of
// another realm (foreign issuer) and one for another client (wrong
// audience). Then headless Chromium logs in as operator and as analyst
// through Keycloak's login page (authorization code + PKCE, web/login.js)
// and the dashboard shows the numbers the API gives that role. Exits
// non-zero naming the first failed check; Keycloak and serve are stopped.
import {spawn, spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
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
  launchChromium,
  runKetenflow,
  runTest,
  sourceDir,
  startServer,
  stopProcess,
  text,
  waitReady,
} from './checks.mjs';

const CHAIN = {id: 'detentie-terugkeer', clients: 60, seed: 5};
const PERIOD = {from: '2024-01-01', to: '2024-04-01'};
const USERS = {
  operator: {
    password: 'operator-test-password',
    shown: 'operator · ketenregisseur · Maatschappelijke Opvang Den Bosch'
  },
  analyst: {password: 'analyst-test-password', shown: 'analyst · analist'},
};

let keycloak = null;
let server = null;
let browser = null;
let work = null;
let step = 'start';

function log(message) {
  process.stdout.write(`[oidc_test] ${message}\n`);
}

// A Java of 21 or newer: $KEYCLOAK_JAVA_HOME, $JAVA_HOME or one in /usr/lib/jvm.
function java21() {
  const homes = [process.env.KEYCLOAK_JAVA_HOME, process.env.JAVA_HOME].filter(Boolean);
  try {
    const jvms = readdirSync('/usr/lib/jvm').map((d) => path.join('/usr/lib/jvm', d));
    homes.push(...jvms.sort().reverse());
  } catch {
  }
  for (const home of homes) {
    const r = spawnSync(path.join(home, 'bin', 'java'), ['-version'], {encoding: 'utf8'});
    const m = /version "(\d+)/.exec(r.stderr || '');
    if (m && Number(m[1]) >= 21) return home;
  }
  throw new CheckFailed(`Keycloak needs Java 21 or newer; none among ${homes.join(', ')}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startKeycloak() {
  const fetched = spawnSync('bash', [path.join(sourceDir, 'scripts', 'keycloak.sh')], {
    encoding: 'utf8',
    env: {
      ...process.env,
      KETENFLOW_BUILD: process.env.KETENFLOW_BUILD || path.join(sourceDir, 'build')
    },
  });
  check(fetched.status === 0, `scripts/keycloak.sh failed: ${fetched.stderr}`);
  const home = fetched.stdout.trim();
  const imports = path.join(home, 'data', 'import');
  mkdirSync(imports, {recursive: true});
  for (const realm of ['realm-ketenflow.json', 'realm-other.json']) {
    copyFileSync(path.join(sourceDir, 'tests', 'oidc', realm), path.join(imports, realm));
  }
  const port = await freePort();
  const started = Date.now();
  // dev-mem: a fresh in-memory database each run, the realms imported anew.
  keycloak = spawn(
      path.join(home, 'bin', 'kc.sh'),
      ['start-dev', '--http-host', '127.0.0.1', '--http-port', String(port), '--import-realm',
       '--db', 'dev-mem'],
      {env: {...process.env, JAVA_HOME: java21()}, stdio: ['ignore', 'pipe', 'pipe']});
  let output = '';
  for (const stream of [keycloak.stdout, keycloak.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      output = (output + chunk).slice(-20000);
    });
  }
  const base = `http://127.0.0.1:${port}`;
  const deadline = started + 240000;
  for (;;) {
    check(keycloak.exitCode === null, `Keycloak exited (${keycloak.exitCode}):\n${output}`);
    check(Date.now() < deadline, `Keycloak did not answer within 240 s:\n${output}`);
    const ok = await fetch(`${base}/realms/ketenflow/.well-known/openid-configuration`)
                   .then((r) => r.ok)
                   .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(`Keycloak at ${base}, answering after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return base;
}

// An access token by the password grant (the API part; the browser logs in
// through the login page).
async function passwordToken(keycloakUrl, realm, client, user) {
  const response = await fetch(`${keycloakUrl}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: client,
      username: user,
      password: USERS[user].password,
      scope: 'openid',
    }),
  });
  const body = await response.json();
  check(response.ok && body.access_token,
        `${realm}/${client} token for ${user}: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function expectRefused(base, token, message, what) {
  const r = await apiClient(base, token)('/v1/me');
  check(r.status === 401, `${what}: /v1/me answered ${r.status}, expected 401`);
  check(r.json?.message?.includes(message),
        `${what}: the refusal says "${r.json?.message}", expected "${message}"`);
}

// Logs in through Keycloak's login page; the page is back on the dashboard.
async function loginThroughKeycloak(context, base, user) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(`${base}/`);
  await page.locator('[data-testid=oidc-login]').click({timeout: 15000});
  await page.waitForSelector('#username', {timeout: 30000});
  check(!page.url().startsWith(base), `${user}: the login button stayed on ${page.url()}`);
  const auth = new URL(page.url());
  check(auth.searchParams.get('code_challenge_method') === 'S256',
        `${user}: the authorization request has no S256 PKCE challenge`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(USERS[user].password);
  await page.locator('#kc-login').click();
  await page.waitForURL((url) => url.toString().startsWith(base), {timeout: 30000});
  try {
    await waitReady(page, `${user} after login`);
  } catch (err) {
    const message = await page.locator('[data-testid=login-message]').textContent().catch(() => '');
    throw new CheckFailed(`${err.message}; login page says "${message}"; console: ${
        errors.join(' | ')}`);
  }
  check(!page.url().includes('code='), `${user}: the code is still in the URL (${page.url()})`);
  return page;
}

async function main() {
  work = mkdtempSync(path.join(tmpdir(), 'ketenflow-oidc-'));
  step = 'Keycloak';
  const keycloakStarting = startKeycloak();
  keycloakStarting.catch(() => {});

  step = 'simulate and ingest';
  const data = path.join(work, 'store');
  const events = path.join(work, 'events.ndjson');
  runKetenflow(bin, [
    'simulate', '--chain', path.join(chainsDir, `${CHAIN.id}.yaml`), '--clients',
    String(CHAIN.clients), '--seed', String(CHAIN.seed), '--start', '2024-01-01', '--out', events
  ]);
  runKetenflow(bin, ['ingest', '--data', data, '--chains', chainsDir, '--quiet', events]);
  const adminToken =
      runKetenflow(bin, ['tokens', 'add', '--file', path.join(work, 'tokens'), '--name',
                         'test-admin', '--role', 'admin']).trim();

  step = 'Keycloak';
  const keycloakUrl = await keycloakStarting;
  const issuer = `${keycloakUrl}/realms/ketenflow`;

  step = 'serve';
  const base = await startServer(
      bin,
      [
        'serve', '--data', data, '--chains', chainsDir, '--http', '127.0.0.1:0', '--tokens',
        path.join(work, 'tokens'), '--oidc-issuer', issuer, '--oidc-audience', 'ketenflow',
        '--oidc-role-claim', 'realm_access.roles', '--oidc-leeway-s', '0'
      ],
      (child) => {
        server = child;
      });
  log(`server at ${base}`);

  step = 'API with Keycloak tokens';
  for (const [user, role] of [['operator', 'operator'], ['analyst', 'analyst']]) {
    const me = await apiJson(
        apiClient(base, await passwordToken(keycloakUrl, 'ketenflow', 'ketenflow', user)),
        '/v1/me');
    check(me.role === role && me.name === user,
          `${user}: /v1/me says ${JSON.stringify(me)}`);
    if (role === 'operator') check(me.partner === 'mo-denbosch', `operator partner: ${me.partner}`);
  }
  // ketenflow-short's tokens live 1 s; serve allows no clock leeway here.
  const short = await passwordToken(keycloakUrl, 'ketenflow', 'ketenflow-short', 'operator');
  await new Promise((r) => setTimeout(r, 2500));
  await expectRefused(base, short, 'the token has expired', 'expired token');
  await expectRefused(
      base, await passwordToken(keycloakUrl, 'other', 'ketenflow', 'operator'),
      `the token was issued by another issuer than ${issuer}`, 'token of another realm');
  await expectRefused(
      base, await passwordToken(keycloakUrl, 'ketenflow', 'other-app', 'operator'),
      'the token is not meant for audience ketenflow', 'token for another client');
  log('API: operator and analyst tokens accepted; expired, foreign-issuer and wrong-audience ' +
      'tokens refused with the reason');

  step = 'browser';
  browser = await launchChromium();
  const admin = await apiJson(apiClient(base, adminToken), `/v1/chains/${CHAIN.id}/flow`, PERIOD);
  for (const user of ['operator', 'analyst']) {
    step = `browser: ${user}`;
    const context = await browser.newContext({viewport: {width: 1400, height: 1000}});
    const page = await loginThroughKeycloak(context, base, user);
    const who = await text(page, 'who', user);
    check(who.includes(USERS[user].shown), `${user}: the top bar says "${who}"`);
    const token = await page.evaluate(() => sessionStorage.getItem('ketenflow.token'));
    await chooseChain(page, CHAIN.id);
    await choosePeriod(page, PERIOD.from, PERIOD.to, 'month');
    const flow = await checkFlow(page, apiClient(base, token), CHAIN.id, PERIOD, user);
    const hidden = flow.transitions.filter((t) => typeof t.count === 'string');
    const stuckShown = await page.locator('#stuck-panel').isVisible();
    if (user === 'analyst') {
      check(hidden.length > 0, 'analyst: no transition of the small chain is shown as "<k"');
      check(!stuckShown, 'analyst: the stuck-case list is visible');
    } else {
      check(hidden.length === 0, 'operator: counts are hidden as for analysts');
      check(stuckShown, 'operator: the stuck-case list is not shown');
    }
    const exact = admin.transitions.filter((t) => typeof t.count === 'number').length;
    log(`${user}: logged in through Keycloak; the flow map shows ${flow.transitions.length} ` +
        `transitions like the API (${hidden.length} as "<k", ${exact} exact for admins)`);
    await context.close();
  }
}

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  await stopProcess(server);
  await stopProcess(keycloak);
  if (work && !process.env.KEEP_TMP) rmSync(work, {recursive: true, force: true});
}

await runTest('oidc_test', main, cleanup, () => step);
log('passed');
