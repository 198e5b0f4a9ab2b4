// End-to-end test of the coloniesd dashboard (docs/dashboard.md) in real headless Chromium: a real
// coloniesd (embedded SQLite, 127.0.0.1, a free port), a colony, user, cron and generator made
// with the real `colonies` CLI, a real local executor; then the browser logs in with the user's
// key, submits a three-node workflow, watches the DAG turn green through live events, reads a
// node's logs and checks the executors, processes, workflows, crons and generators views.
// Screenshots go to the artefacts directory. Any page error, console error, CSP violation or
// failed asset load fails the test. No assertion depends on how fast anything runs.
//
// Usage (see run_dashboard_e2e.sh, which ctest calls):
//   node dashboard_e2e.cjs --modules DIR --artifacts DIR --coloniesd BIN --colonies BIN
//        --executor BIN --chromium BIN
'use strict';

const assert = require('node:assert/strict');
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const name of ['modules', 'artifacts', 'coloniesd', 'colonies', 'executor', 'chromium']) {
  if (!args[name]) throw new Error(`missing --${name}`);
}
const {chromium} = require(path.resolve(args.modules, 'playwright-core'));

const WAIT = 60000;  // generous bound on every wait: a loaded machine is slow, never wrong
const COLONY = 'e2e';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'colonies-dashboard-e2e-'));
const children = [];
const problems = [];  // what the page reported: printed with any failure
let currentPage = null;  // for a screenshot of the moment a step failed

function log(message) {
  process.stdout.write(`[dashboard-e2e] ${message}\n`);
}

function generateKey() {
  const out = execFileSync(args.colonies, ['--json', 'security', 'generate'], {encoding: 'utf8'});
  const key = JSON.parse(out.trim());
  assert.match(key.id, /^[0-9a-f]{64}$/);
  assert.match(key.prvkey, /^[0-9a-f]{64}$/);
  return key;
}

// Starts a child whose output goes to a log file in the artefacts directory; resolves once `ready`
// matches its output (or rejects when it exits first).
function startChild(name, binary, argv, env, ready) {
  const logPath = path.join(args.artifacts, `${name}.log`);
  const out = fs.createWriteStream(logPath);
  const child = spawn(binary, argv, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
  children.push(child);
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      out.write(chunk);
      text += chunk.toString();
      const match = ready && text.match(ready);
      if (match) resolve({child, match});
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      out.end();
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready; see ${logPath}:\n${text.slice(-2000)}`));
    });
    if (!ready) resolve({child});
  });
}

// SIGTERM to every child still running, then waits for them (SIGKILL after 20 s).
async function stopChildren() {
  const running = children.reverse().filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(running.map((child) => new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  })));
}

// `url` is sent as written: a URL object would remove "/../" before the server could refuse it.
function get(url, method = 'GET') {
  const {hostname, port, pathname} = new URL(url);
  const rawPath = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const request = http.request({hostname, port, path: rawPath || pathname, method}, (response) => {
      let body = '';
      response.on('data', (c) => { body += c; });
      response.on('end', () => resolve({status: response.statusCode, headers: response.headers, body}));
    });
    request.on('error', reject);
    request.end();
  });
}

async function startServer(serverId, extra = []) {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const {match} = await startChild(`coloniesd${extra.length ? '-' + extra.join('') : ''}`, args.coloniesd,
    ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--db-sync', 'normal', ...extra],
    {COLONIES_SERVER_ID: serverId}, /serving on http:\/\/127\.0\.0\.1:(\d+)/);
  return Number(match[1]);
}

// The worked example of docs/protocol.md section 10: the dashboard's signing must reproduce it.
const WORKED_EXAMPLE = {
  seed: '4d6327a3a26b2c35a787d1114141e354ddb3cd0820f212c06b686935c7b3c083',
  id: 'ea23cd2457b4853b928e7ddb8acedde72e76084f6d5deab7912532290ba48403',
  payloadJson: '{"spec":{"funcname":"simulate","args":["input.dat"],"kwargs":{},"priority":0,"maxwaittime":600,' +
    '"maxexectime":3600,"maxretries":2,"conditions":{"colonyname":"hpc","executortype":"slurm","cpu":"4",' +
    '"mem":"16Gi","walltime":1800},"label":"demo"},"msgtype":"submitfuncspecmsg",' +
    '"nonce":"402874d3e06cc1928f2d76becfefce56","timestamp":1795440406}',
  signature: '20d425c0c7ec0d42bf59778e2d91a9aaa6500871d6fe3a20030c770e6563419da2913d88929922c647bd5f9fd6bd42f07b78a' +
    '56d98c4cc2cb2c42080e44cbe04',
};

async function main() {
  fs.mkdirSync(args.artifacts, {recursive: true});
  const server = generateKey();
  const colonyOwner = generateKey();
  const user = generateKey();
  const executor = generateKey();
  const stranger = generateKey();

  const port = await startServer(server.id);
  const base = `http://127.0.0.1:${port}`;
  log(`coloniesd on ${base}, scratch ${tmp}`);

  // HTTP level: the assets and their headers; the API and unknown paths as before.
  const index = await get(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.headers['content-security-policy'], /default-src 'self'/);
  assert.match(index.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  const script = await get(`${base}/app.js`);
  assert.match(script.headers['content-type'], /^text\/javascript/);
  assert.equal((await get(`${base}/app.js`, 'HEAD')).status, 200);
  assert.equal((await get(`${base}/no-such-file.js`)).status, 404);
  assert.equal((await get(`${base}/views/../app.js`)).status, 404);
  assert.equal((await get(`${base}/health`)).status, 200);

  const cliEnv = {
    ...process.env, COLONIES_SERVER_HOST: '127.0.0.1', COLONIES_SERVER_HTTP_PORT: String(port),
    COLONIES_SERVER_PRVKEY: server.prvkey, COLONIES_COLONY_NAME: COLONY, COLONIES_COLONY_PRVKEY: colonyOwner.prvkey,
    COLONIES_PRVKEY: user.prvkey,
  };
  const cli = (...argv) => execFileSync(args.colonies, argv, {env: cliEnv, encoding: 'utf8'});
  cli('colony', 'add', '--name', COLONY, '--colonyid', colonyOwner.id);
  cli('user', 'add', '--name', 'alice', '--userid', user.id);
  const specFile = path.join(tmp, 'nightly.json');
  fs.writeFileSync(specFile, JSON.stringify({colonyname: COLONY, functionspecs: [
    {nodename: 'tick', funcname: 'echo', args: ['tick'], conditions: {executortype: 'local'}}]}));
  cli('cron', 'add', '--name', 'nightly-report', '--spec', specFile, '--cron', '0 30 2 * * *');
  cli('generator', 'add', '--name', 'batch-ingest', '--spec', specFile, '--trigger', '10', '--timeout', '600');

  await startChild('executor', args.executor,
    ['--name', 'e2e-local', '--poll-timeout', '3', '--max-jobs', '4', '--workdir', path.join(tmp, 'work'),
      '--spool-dir', path.join(tmp, 'spool')],
    {...cliEnv, COLONIES_EXECUTOR_PRVKEY: executor.prvkey, COLONIES_PRVKEY: ''}, null);

  const browser = await chromium.launch({
    executablePath: args.chromium, headless: true,
    // Running as root (CI) needs --no-sandbox; nothing but this test's local server is opened.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    // A fresh browser context (its own storage) with a page whose every problem is recorded.
    const openPage = async () => {
      const context = await browser.newContext({viewport: {width: 1360, height: 900}});
      const page = await context.newPage();
      currentPage = page;
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        // Chromium reports every non-2xx fetch as a console error; refusals by /api are expected
        // (the stranger's log-in, the owner's 403s). Anything else — CSP violations, script
        // errors, asset loads — is not.
        const where = message.location()?.url ?? '';
        if (/status of 4\d\d/.test(message.text()) && where.endsWith('/api')) return;
        problems.push(`console error: ${message.text()} (${where})`);
      });
      page.on('requestfailed', (request) => {
        if (request.url().includes('/api/ws')) return;  // closed sockets on navigation
        problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
      });
      page.on('response', (response) => {
        if (!response.url().endsWith('/api') && response.status() >= 400) {
          problems.push(`HTTP ${response.status()} for ${response.url()}`);
        }
      });
      return {context, page};
    };
    const {context, page} = await openPage();
    const shotOf = (p) => (name) => p.screenshot({path: path.join(args.artifacts, `${name}.png`), fullPage: true});
    const shot = shotOf(page);

    // --- log-in page, and the signing against the protocol's worked example -------------------
    await page.goto(`${base}/`);
    await page.locator('#key').waitFor();
    const signed = await page.evaluate(async (example) => {
      const crypto = await import('/crypto.js');
      const {id, key} = await crypto.importPrivateKey(example.seed);
      const payload = crypto.base64Encode(example.payloadJson);
      return {id, signature: await crypto.sign(key, payload), extractable: key.extractable};
    }, WORKED_EXAMPLE);
    assert.equal(signed.id, WORKED_EXAMPLE.id, 'the ID derived in the browser is the protocol example\'s');
    assert.equal(signed.signature, WORKED_EXAMPLE.signature, 'the browser signs byte for byte as the protocol example');
    assert.equal(signed.extractable, false, 'the signing key is not extractable');

    // A key that is not a member of the colony: a clear 403, no log-in.
    await page.fill('#key', stranger.prvkey);
    await page.locator('#derived-id', {hasText: stranger.id}).waitFor();
    await page.fill('#colony', COLONY);
    await page.click('#login-button');
    const refusal = page.locator('#login-status .error[data-status="403"]');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /not a user or executor of colony 'e2e'/);
    await shot('01-login-refused');

    // Malformed key: said so before anything is sent.
    await page.fill('#key', 'abc');
    await page.locator('#derived-id.invalid', {hasText: '64 hexadecimal characters'}).waitFor();

    // --- log in as the user, remembered for this tab ----------------------------------------
    await page.fill('#key', user.prvkey);
    await page.locator('#derived-id', {hasText: user.id}).waitFor();
    await page.fill('#colony', COLONY);
    await page.check('#remember');
    await shot('02-login');
    await page.click('#login-button');
    await page.locator('main[data-view="overview"] #colony-overview dl').waitFor();
    await page.locator('#live-status[data-live="live"]').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 1, 'the ticked key is in sessionStorage');
    assert.equal(await page.evaluate(() => localStorage.getItem('colonies.dashboard.key')), null,
      'the key never goes to localStorage');
    await shot('03-overview');

    // --- executors: the local executor, approved, with its advertised capacity ----------------
    await page.click('a[data-nav="executors"]');
    const executorRow = page.locator('tr[data-executor="e2e-local"]');
    await executorRow.locator('.executor-state-1', {hasText: 'APPROVED'}).waitFor();
    assert.match(await executorRow.locator('td.capacity').innerText(), /\d+ CPU .*memory/);
    await shot('04-executors');

    // --- submit a three-node workflow; its first node waits for a gate file -----------------
    // The gate opens only once the DAG is on screen, so every later state change reaches the page
    // while it watches, whatever the machine's speed.
    const gate = path.join(tmp, 'gate');
    const spec = {
      colonyname: COLONY,
      functionspecs: [
        {nodename: 'prepare', funcname: 'sh', args: ['-c', `while [ ! -e '${gate}' ]; do sleep 0.2; done; echo prepared`],
          conditions: {executortype: 'local'}, maxexectime: 600},
        {nodename: 'compute', funcname: 'sh', args: ['-c', 'echo computing the answer; echo 42 >&2'],
          conditions: {executortype: 'local', dependencies: ['prepare']}, maxexectime: 600},
        {nodename: 'report', funcname: 'echo', args: ['report written'],
          conditions: {executortype: 'local', dependencies: ['prepare', 'compute']}, maxexectime: 600},
      ],
    };
    await page.click('a[data-nav="submit"]');
    await page.fill('#workflow-spec', JSON.stringify(spec, null, 2));
    await page.click('#submit-workflow');
    await page.waitForURL(/#\/workflow\/[0-9a-f]{64}$/);
    const graphId = page.url().split('/').pop();
    const node = (name) => page.locator(`svg.dag g.node[data-nodename="${name}"]`);
    await node('prepare').waitFor();
    assert.notEqual(await node('report').getAttribute('data-state'), '2');
    // Mark the drawing: a redraw (polling) would replace it, live events recolour it in place.
    await page.evaluate(() => {
      const svg = document.querySelector('svg.dag');
      svg.dataset.e2eMark = 'drawn-once';
      window.e2eSeen = [];
      new MutationObserver((records) => {
        for (const r of records) window.e2eSeen.push(`${r.target.dataset.nodename}:${r.target.dataset.state}`);
      }).observe(svg, {subtree: true, attributes: true, attributeFilter: ['data-state']});
    });
    await shot('05-workflow-running');
    fs.writeFileSync(gate, '');
    for (const name of ['prepare', 'compute', 'report']) {
      await page.locator(`svg.dag g.node.state-2[data-nodename="${name}"]`).waitFor();
    }
    await page.locator('#graph-state[data-state="2"]').waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('svg.dag')?.dataset.e2eMark), 'drawn-once',
      'the DAG was recoloured in place by live events, not redrawn');
    const seen = await page.evaluate(() => window.e2eSeen);
    for (const name of ['compute', 'report']) {
      assert.ok(seen.includes(`${name}:2`), `the page saw ${name} turn SUCCESS live (${seen.join(', ')})`);
    }
    await shot('06-workflow-success');

    // --- a node's process page with its logs ---------------------------------------------------
    await node('compute').click();
    await page.waitForURL(/#\/process\/[0-9a-f]{64}$/);
    await page.locator('#logs', {hasText: 'computing the answer'}).waitFor();
    await page.locator('#process-header .badge.state-2').waitFor();
    await shot('07-process-logs');

    // --- processes with filters and paging ------------------------------------------------------
    await page.goto(`${base}/#/processes?state=2&size=25`);
    await page.locator('#process-list tbody tr').first().waitFor();
    assert.equal(await page.locator('#process-list tbody tr[data-state="2"]').count(), 3);
    await shot('08-processes');
    await page.fill('#filter-type', 'no-such-type');
    await page.click('#apply-filters');
    await page.locator('#no-processes').waitFor();
    // Paging (getprocesshistmsg's cursor): three processes in pages of two.
    await page.goto(`${base}/#/processes?size=2`);
    await page.locator('#process-list tbody tr').first().waitFor();
    assert.equal(await page.locator('#process-list tbody tr').count(), 2);
    const firstPage = await page.locator('#process-list tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.processid));
    await page.click('#older');
    await page.locator('#newer:not([disabled])').waitFor();
    assert.equal(await page.locator('#process-list tbody tr').count(), 1);
    const secondPage = await page.locator('#process-list tbody tr').getAttribute('data-processid');
    assert.ok(!firstPage.includes(secondPage), 'the older page holds another process');
    assert.ok(await page.locator('#older').isDisabled(), 'nothing older than the third process');
    await page.click('#newer');
    await page.locator('#newer[disabled]').waitFor();
    assert.deepEqual(await page.locator('#process-list tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.processid)),
      firstPage);

    // --- workflows, crons, generators ----------------------------------------------------------
    await page.click('a[data-nav="workflows"]');
    await page.locator(`tr[data-processgraphid="${graphId}"][data-state="2"]`).waitFor();
    await shot('09-workflows');
    await page.click('a[data-nav="crons"]');
    const cron = page.locator('tr[data-cron="nightly-report"]');
    await cron.waitFor();
    assert.match(await cron.innerText(), /0 30 2 \* \* \*/);
    await shot('10-crons');
    await page.click('a[data-nav="generators"]');
    const generator = page.locator('tr[data-generator="batch-ingest"]');
    await generator.waitFor();
    assert.match(await generator.innerText(), /10 args/);
    await shot('11-generators');

    // --- the remembered key survives a reload of this tab; log out forgets it -----------------
    await page.reload();
    await page.locator('#logout').waitFor();
    await page.click('#logout');
    await page.locator('#key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'log-out forgets the key');
    await context.close();

    // --- without the WebSocket the dashboard polls: a workflow still shows as finished --------
    {
      const {context: blocked, page: p} = await openPage();
      await p.routeWebSocket(/\/api\/ws$/, (ws) => ws.close({code: 1011, reason: 'blocked by the test'}));
      await p.goto(`${base}/`);
      await p.fill('#key', user.prvkey);
      await p.fill('#colony', COLONY);
      await p.click('#login-button');
      await p.locator('#live-status[data-live="down"]', {hasText: 'polling'}).waitFor();
      await p.click('a[data-nav="submit"]');
      await p.fill('#workflow-spec', JSON.stringify({colonyname: COLONY, functionspecs: [
        {nodename: 'only', funcname: 'echo', args: ['polled'], conditions: {executortype: 'local'}}]}));
      await p.click('#submit-workflow');
      await p.waitForURL(/#\/workflow\/[0-9a-f]{64}$/);
      await p.locator('#graph-state[data-state="2"]').waitFor();
      await p.locator('svg.dag g.node.state-2[data-nodename="only"]').waitFor();
      await shotOf(p)('12-polling-fallback');
      await blocked.close();
    }

    // --- the server owner: every colony and the server's statistics; colony views are 403 -----
    {
      const {context: owner, page: p} = await openPage();
      await p.goto(`${base}/`);
      await p.fill('#key', server.prvkey);
      await p.fill('#colony', '');
      await p.locator('#colony-note', {hasText: 'server owner: 1 colony'}).waitFor();
      assert.equal(await p.inputValue('#colony'), COLONY, 'the only colony is offered');
      await p.click('#login-button');
      await p.locator('#colonies tr[data-colony="e2e"]').waitFor();
      await p.locator('#server-overview .card[data-stat="successful"] .value', {hasText: '4'}).waitFor();
      await shotOf(p)('13-server-owner');
      await p.click('a[data-nav="executors"]');
      await p.locator('#executors .error[data-status="403"]').waitFor();
      await owner.close();
    }
  } catch (error) {
    await currentPage?.screenshot({path: path.join(args.artifacts, 'failure.png'), fullPage: true}).catch(() => {});
    throw error;
  } finally {
    currentPage = null;
    await browser.close();
  }
  assert.deepEqual(problems, [], `the page reported problems:\n${problems.join('\n')}`);

  // --no-dashboard: / is a 404 again, the API is unchanged.
  const quietPort = await startServer(server.id, ['--no-dashboard']);
  assert.equal((await get(`http://127.0.0.1:${quietPort}/`)).status, 404);
  assert.equal((await get(`http://127.0.0.1:${quietPort}/app.js`)).status, 404);
  assert.equal((await get(`http://127.0.0.1:${quietPort}/health`)).status, 200);
  log(`passed; screenshots and logs in ${args.artifacts}`);
}

main().then(async () => {
  await stopChildren();
  fs.rmSync(tmp, {recursive: true, force: true});
  process.exitCode = 0;
}, async (error) => {
  await stopChildren();
  if (problems.length) process.stderr.write(`[dashboard-e2e] the page reported:\n${problems.join('\n')}\n`);
  process.stderr.write(`[dashboard-e2e] FAILED: ${error.stack ?? error}\n(scratch kept in ${tmp}; logs and ` +
    `screenshots in ${args.artifacts})\n`);
  process.exitCode = 1;
});
