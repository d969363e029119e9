#!/usr/bin/env node
// A real browser for mcp-tether's sign-in: headless Debian Chromium driven by
// playwright-core (pinned in tests/lab/package.json). mcp-tether runs it as
// $BROWSER with the authorization URL as the last argument. It signs in and
// consents on oidc-provider's pages (or denies), lands on mcp-tether's loopback
// callback page and saves what a person would see there:
//
//   $TETHER_ARTIFACTS/<name>.png   screenshot of the callback page
//   $TETHER_ARTIFACTS/<name>.txt   the page's visible text
//   $TETHER_ARTIFACTS/<name>.json  {url, title, status, text, error?}, written last
//
// Environment:
//   TETHER_ARTIFACTS   directory for the artifacts (default target/browser-artifacts)
//   TETHER_ARTIFACT    artifact base name (default "callback")
//   TETHER_DENY=1      press the consent page's Cancel instead of Continue
//   TETHER_CHROMIUM    the browser binary (default /usr/bin/chromium)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../lab/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const url = process.argv.at(-1);
const outDir = path.resolve(process.env.TETHER_ARTIFACTS || 'target/browser-artifacts');
const name = process.env.TETHER_ARTIFACT || 'callback';
const deny = process.env.TETHER_DENY === '1';
const executablePath = process.env.TETHER_CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(outDir, { recursive: true });
const logFile = path.join(outDir, `${name}.log`);
const log = (line) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

const result = { url: null, title: null, status: null, text: null, error: null, start: url, deny };
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-chromium-'));
let context;
try {
  if (!url || !/^https?:/.test(url)) throw new Error(`no URL given (argv ${JSON.stringify(process.argv.slice(2))})`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 900, height: 600 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Hermetic: only loopback (the lab AS and mcp-tether's callback). The
  // provider's pages link a web font; that request is refused, not waited on.
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' ? route.continue() : route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  const callback = new URL(url).searchParams.get('redirect_uri');
  if (!callback) throw new Error('the authorization URL has no redirect_uri');
  const onCallback = (u) => u.href.startsWith(callback);
  // The callback page's response, to record its status.
  const callbackResponse = page.waitForResponse((r) => onCallback(new URL(r.url())), { timeout: 30_000 });

  log(`open ${url}`);
  await page.goto(url);
  for (let step = 0; step < 10 && !onCallback(new URL(page.url())); step++) {
    const login = page.locator('input[name="login"]');
    const consent = page.locator('form input[name="prompt"][value="consent"]');
    if (await login.count()) {
      log(`login page ${page.url()}`);
      await login.fill('alice');
      await page.locator('input[name="password"]').fill('any-password');
      await Promise.all([page.waitForLoadState('load'), page.locator('form button[type="submit"], form [type="submit"]').first().click()]);
    } else if (await consent.count()) {
      log(`consent page ${page.url()} (${deny ? 'deny' : 'approve'})`);
      if (deny) {
        await page.locator('a[href*="/abort"]').first().click();
      } else {
        await consent.locator('xpath=ancestor::form').locator('button[type="submit"]').first().click();
      }
      await page.waitForLoadState('load');
    } else {
      await page.waitForLoadState('load');
      if (onCallback(new URL(page.url()))) break;
      throw new Error(`unexpected page ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 300)}`);
    }
  }
  await page.waitForURL(onCallback);
  const response = await callbackResponse;
  await page.waitForLoadState('load');
  result.url = page.url();
  result.status = response.status();
  result.title = await page.title();
  result.text = (await page.locator('body').innerText()).trim();
  fs.writeFileSync(path.join(outDir, `${name}.txt`), `${result.text}\n`);
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
  log(`callback page ${result.status} "${result.title}"`);
} catch (e) {
  result.error = String(e?.stack ?? e);
  log(`error: ${result.error}`);
} finally {
  await context?.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
}
process.exit(result.error ? 1 : 0);
