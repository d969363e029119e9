// mcp-tether's loopback callback pages in a real browser: headless Chromium
// (Debian's, driven by playwright-core) is $BROWSER for `mcp-tether login`
// against the OAuth lab (tests/lab/oauth-as.mjs + protected-server.mjs). It
// signs in on oidc-provider's real pages and lands on the page mcp-tether
// serves; the page's text is checked and a screenshot kept.
//
//   node --test tests/browser/          (scripts/test.sh runs this)
//
// MCP_TETHER_BIN overrides the binary (default target/debug/mcp-tether);
// artifacts go to target/browser-artifacts/ (TETHER_ARTIFACTS overrides).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = process.env.MCP_TETHER_BIN || path.join(root, 'target/debug/mcp-tether');
const artifacts = path.resolve(process.env.TETHER_ARTIFACTS || path.join(root, 'target/browser-artifacts'));
const browser = path.join(here, 'chromium-browser.mjs');

/** Start a lab server; resolves with its announce line. */
function startLab(script, args) {
  const child = spawn(process.execPath, [path.join(root, 'tests/lab', script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, info: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

let as;
let rs;
before(async () => {
  assert.ok(fs.existsSync(bin), `${bin} is missing: run cargo build first`);
  fs.mkdirSync(artifacts, { recursive: true });
  as = await startLab('oauth-as.mjs', []);
  rs = await startLab('protected-server.mjs', ['--issuer', as.info.issuer]);
});
after(() => {
  for (const s of [rs, as]) s?.child.stdin.end();
});

/** `mcp-tether login <url>` with Chromium as $BROWSER; resolves when both are done. */
async function login(name, extraEnv) {
  for (const ext of ['png', 'txt', 'json', 'log']) fs.rmSync(path.join(artifacts, `${name}.${ext}`), { force: true });
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-browser-test-'));
  const child = spawn(bin, ['login', '--flow', 'browser', '--token-store', 'file', rs.info.url], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      BROWSER: `${process.execPath} ${browser}`,
      MCP_TETHER_CONFIG_DIR: config,
      MCP_TETHER_REQUIRE_CONFIG_DIR: '1',
      TETHER_ARTIFACTS: artifacts,
      TETHER_ARTIFACT: name,
      DISPLAY: process.env.DISPLAY || ':0',
      ...extraEnv,
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  // The browser outlives the login a little: wait for its summary (written last).
  const summaryPath = path.join(artifacts, `${name}.json`);
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(summaryPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(fs.existsSync(summaryPath), `the browser wrote no ${summaryPath}; login stderr:\n${stderr}`);
  const summary = JSON.parse(fs.readFileSync(summaryPath, 'utf8'));
  fs.rmSync(config, { recursive: true, force: true });
  const screenshot = path.join(artifacts, `${name}.png`);
  if (fs.existsSync(screenshot)) console.log(`# screenshot: ${screenshot}`);
  return { code, stderr, summary, screenshot };
}

test('the success page after signing in and consenting', { timeout: 90_000 }, async () => {
  const r = await login('callback-success', {});
  assert.equal(r.summary.error, null, `browser error: ${r.summary.error}\nlogin stderr:\n${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.summary.status, 200);
  assert.equal(r.summary.title, 'mcp-tether: Signed in');
  assert.match(r.summary.text, /Signed in/);
  assert.match(r.summary.text, /You can close this tab and go back to your MCP host/);
  assert.match(r.summary.url, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
  assert.ok(fs.statSync(r.screenshot).size > 1000, 'a real screenshot');
});

test('the failure page after denying consent', { timeout: 90_000 }, async () => {
  const r = await login('callback-denied', { TETHER_DENY: '1' });
  assert.equal(r.summary.error, null, `browser error: ${r.summary.error}\nlogin stderr:\n${r.stderr}`);
  assert.notEqual(r.code, 0, 'login fails');
  assert.match(r.stderr, /access_denied/);
  assert.equal(r.summary.status, 400);
  assert.equal(r.summary.title, 'mcp-tether: Sign-in failed');
  assert.match(r.summary.text, /Sign-in failed/);
  assert.match(r.summary.text, /access_denied/);
  assert.match(r.summary.text, /Close this tab, then retry/);
  assert.ok(fs.statSync(r.screenshot).size > 1000, 'a real screenshot');
});
