// A scripted "browser" for the mcp-tether OAuth tests. It does over plain
// HTTP what a person would do in the authorization server's real pages:
// follows redirects (with a cookie jar), signs in as alice, approves (or
// denies) consent, and finally loads the loopback redirect URI.
//
//   node browser.mjs [--foreground] <authorization URL>     (URL = last arg)
//   node browser.mjs --device <verification_uri[_complete]> [--user-code CODE] [--deny]
//
// Environment:
//   LAB_BROWSER_LOG=file       append a one-line JSON summary per run
//   LAB_BROWSER_DENY=1         deny consent (the page's abort link) instead
//   LAB_BROWSER_NO_CALLBACK=1  do not load the redirect URI; print it on stdout
//   LAB_BROWSER_USER=name      login name (default alice)
//   LAB_BROWSER_TAMPER=state|iss  play an attacker: change that parameter of
//                              the redirect before loading it (negative tests)
//   LAB_BROWSER_DELAY_MS=n     a slow person: wait n ms before loading the page
//
// Authorization-URL mode detaches: the first process re-spawns itself with
// --foreground (stdio ignored, detached) and exits 0 at once, so a caller that
// waits for the browser command can't deadlock against its own callback
// listener. With LAB_BROWSER_NO_CALLBACK=1 (nothing to deadlock on) and in
// --device mode it runs in the foreground.

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const USER = process.env.LAB_BROWSER_USER || 'alice';
const PASSWORD = 'any-password';
const MAX_STEPS = 40;
const TIMEOUT_MS = 30_000;

function usage(msg) {
  process.stderr.write(`browser.mjs: ${msg}\n`);
  process.exit(2);
}

// ----------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const opts = { foreground: false, device: undefined, userCode: undefined, deny: process.env.LAB_BROWSER_DENY === '1' };
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--foreground') opts.foreground = true;
  else if (a === '--device') opts.device = argv[++i] ?? usage('--device needs a URL');
  else if (a === '--user-code') opts.userCode = argv[++i] ?? usage('--user-code needs a value');
  else if (a === '--deny') opts.deny = true;
  else if (a.startsWith('--')) usage(`unknown flag ${a}`);
  else positional.push(a);
}
const noCallback = process.env.LAB_BROWSER_NO_CALLBACK === '1';
const startUrl = opts.device ?? positional.at(-1);
if (!startUrl) usage('no URL given');

if (!opts.device && !opts.foreground && !noCallback) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--foreground', ...argv], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  });
  child.unref();
  process.exit(0);
}

if (process.env.LAB_BROWSER_DELAY_MS) {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.LAB_BROWSER_DELAY_MS)));
}

// ----------------------------------------------------------- cookie jar
/** origin -> Map("name\0path" -> {name, value, path}) */
const jar = new Map();

function storeCookies(url, response) {
  const origin = url.origin;
  const cookies = jar.get(origin) ?? new Map();
  jar.set(origin, cookies);
  for (const line of response.headers.getSetCookie?.() ?? []) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let cpath = '/';
    let expired = false;
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=');
      const key = k.trim().toLowerCase();
      if (key === 'path' && v.trim().startsWith('/')) cpath = v.trim();
      if (key === 'max-age' && Number(v) <= 0) expired = true;
      if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
    }
    const key = `${name}\0${cpath}`;
    if (expired) cookies.delete(key);
    else cookies.set(key, { name, value, path: cpath });
  }
}

function cookieHeader(url) {
  const cookies = jar.get(url.origin);
  if (!cookies) return undefined;
  const parts = [];
  for (const c of cookies.values()) {
    const p = c.path.endsWith('/') ? c.path : `${c.path}/`;
    if (url.pathname === c.path || url.pathname.startsWith(p) || c.path === '/') parts.push(`${c.name}=${c.value}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

// ----------------------------------------------------------- tiny HTML forms
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };
function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attrs(tag) {
  const out = {};
  const re = /([\w:.-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const inner = tag.replace(/^<\s*[\w-]+/, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(inner))) out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** All forms of a page: {id, action, method, fields: [[name,value]], inputs, buttons} */
function parseForms(html) {
  const forms = [];
  const formRe = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;
  let m;
  while ((m = formRe.exec(html))) {
    const a = attrs(m[0].match(/^<form\b[^>]*>/i)[0]);
    const inputs = [...m[1].matchAll(/<input\b[^>]*>/gi)].map((x) => attrs(x[0]));
    const buttons = [...m[1].matchAll(/<button\b[^>]*>/gi)].map((x) => attrs(x[0]));
    forms.push({ id: a.id, action: a.action, method: (a.method || 'get').toLowerCase(), inputs, buttons });
  }
  // Buttons outside a form that point at it with form="id".
  for (const b of [...html.matchAll(/<button\b[^>]*>/gi)].map((x) => attrs(x[0]))) {
    if (!b.form) continue;
    const f = forms.find((x) => x.id === b.form);
    if (f && !f.buttons.some((y) => y.name === b.name && y.value === b.value)) f.buttons.push(b);
  }
  return forms;
}

// ----------------------------------------------------------- the run
const summary = {
  mode: opts.device ? 'device' : 'authorize',
  start: startUrl,
  user: USER,
  deny: opts.deny,
  visited: [],
  actions: [],
  finalRedirect: null,
  callback: null,
  error: null,
};

const isLoopbackHost = (h) => h === '127.0.0.1' || h === 'localhost' || h === '[::1]';

async function request(url, init = {}) {
  const headers = { 'user-agent': 'mcp-tether-lab-browser/1', accept: 'text/html,*/*', ...(init.headers ?? {}) };
  const cookie = cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  summary.visited.push(`${init.method ?? 'GET'} ${url.href}`);
  const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  storeCookies(url, res);
  return res;
}

async function loadCallback(url, init = {}) {
  summary.finalRedirect = url.href;
  const tamper = process.env.LAB_BROWSER_TAMPER;
  if (tamper === 'state' || tamper === 'iss') {
    url = new URL(url.href);
    url.searchParams.set(tamper, tamper === 'iss' ? 'http://127.0.0.1:1/evil' : 'forged-state');
    summary.actions.push(`tampered ${tamper}`);
  }
  if (noCallback) {
    process.stdout.write(`${url.href}\n`);
    return;
  }
  summary.visited.push(`${init.method ?? 'GET'} ${url.href}`);
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    summary.callback = { url: url.href, status: res.status, location: res.headers.get('location'), text: text.slice(0, 2000) };
  } catch (e) {
    summary.callback = { url: url.href, status: null, text: null, error: String(e.message ?? e) };
  }
}

async function run() {
  const asOrigin = new URL(startUrl).origin;
  let url = new URL(startUrl);
  let init = {};
  let codeEntered = false;
  let aborted = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const res = await request(url, init);
    init = {};
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.arrayBuffer().catch(() => {});
      const next = new URL(res.headers.get('location'), url);
      if (next.origin !== asOrigin) {
        // Leaving the authorization server: this is the redirect URI.
        await loadCallback(next);
        return;
      }
      url = next;
      continue;
    }
    const html = await res.text();
    const forms = parseForms(html);
    const page = { status: res.status, url: url.href };

    // Pick what a person would do on this page.
    const login = forms.find((f) => f.inputs.some((i) => i.name === 'login'));
    const consent = forms.find((f) => f.inputs.some((i) => i.name === 'prompt' && i.value === 'consent'));
    const deviceInput = forms.find((f) => f.inputs.some((i) => i.name === 'user_code' && (i.type || 'text') !== 'hidden'));
    const deviceConfirm = forms.find((f) => f.id === 'op.deviceConfirmForm');
    // Pages that submit themselves with script (response_mode=form_post, and
    // the device page reached through verification_uri_complete).
    const autoSubmit = /document\.forms\[0\]\.submit\(\)/.test(html) ? forms[0] : undefined;
    const formPost = autoSubmit && autoSubmit.action && new URL(autoSubmit.action, url).origin !== asOrigin ? autoSubmit : undefined;

    let form;
    const fields = new URLSearchParams();
    if (aborted || (codeEntered && deviceInput && !deviceConfirm)) {
      // After an abort, or the code input page again (wrong code): stop here.
      finalPage(html, res, page);
      return;
    } else if (formPost) {
      // response_mode=form_post: the page would auto-submit to the client.
      for (const i of formPost.inputs) if (i.name) fields.append(i.name, i.value ?? '');
      summary.actions.push('form_post to redirect URI');
      await loadCallback(new URL(formPost.action, url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: fields.toString(),
      });
      return;
    } else if (autoSubmit) {
      form = autoSubmit;
      for (const i of form.inputs) if (i.name) fields.append(i.name, i.value ?? '');
      summary.actions.push('auto-submit form');
    } else if (login) {
      form = login;
      for (const i of form.inputs) {
        if (!i.name) continue;
        if (i.name === 'login') fields.append('login', USER);
        else if (i.name === 'password') fields.append('password', PASSWORD);
        else fields.append(i.name, i.value ?? '');
      }
      summary.actions.push(`login as ${USER}`);
    } else if (consent) {
      if (opts.deny) {
        const abort = [...html.matchAll(/<a\b[^>]*>/gi)].map((x) => attrs(x[0])).find((a) => /\/abort(\?|$)/.test(a.href ?? ''));
        if (!abort) throw new Error(`consent page without an abort link at ${url.href}`);
        summary.actions.push('deny consent');
        url = new URL(abort.href, url);
        continue;
      }
      form = consent;
      for (const i of form.inputs) if (i.name) fields.append(i.name, i.value ?? '');
      summary.actions.push('approve consent');
    } else if (deviceConfirm) {
      form = deviceConfirm;
      for (const i of form.inputs) if (i.name) fields.append(i.name, i.value ?? '');
      if (opts.deny) {
        fields.set('abort', 'yes');
        aborted = true;
        summary.actions.push('abort device confirmation');
      } else {
        summary.actions.push('confirm device');
      }
    } else if (deviceInput) {
      form = deviceInput;
      const code = opts.userCode ?? new URL(startUrl).searchParams.get('user_code');
      if (!code) throw new Error('device code input page, but no --user-code given');
      for (const i of form.inputs) {
        if (!i.name) continue;
        fields.append(i.name, i.name === 'user_code' ? code : (i.value ?? ''));
      }
      codeEntered = true;
      summary.actions.push(`enter user code ${code}`);
    } else {
      // Nothing left to do: a final page (device success, error page, ...).
      finalPage(html, res, page);
      return;
    }
    const action = new URL(form.action || url.href, url);
    if (form.method === 'post') {
      url = action;
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: asOrigin },
        body: fields.toString(),
      };
    } else {
      for (const [k, v] of fields) action.searchParams.append(k, v);
      url = action;
    }
  }
  throw new Error(`gave up after ${MAX_STEPS} steps`);
}

function finalPage(html, res, page) {
  const title = html.match(/<title>([\s\S]*?)<\/title>/i)?.[1]?.trim();
  const text = html
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  summary.final = { ...page, title: title ?? null, text: decode(text).slice(0, 1000) };
  if (res.status >= 400 || /error|went wrong/i.test(title ?? '')) summary.error = `page: ${title ?? res.status}`;
}

const timer = setTimeout(() => {
  summary.error = 'timeout';
  finish(1);
}, TIMEOUT_MS);

function finish(code) {
  clearTimeout(timer);
  if (process.env.LAB_BROWSER_LOG) {
    try {
      fs.appendFileSync(process.env.LAB_BROWSER_LOG, JSON.stringify(summary) + '\n');
    } catch (e) {
      process.stderr.write(`browser.mjs: cannot write LAB_BROWSER_LOG: ${e.message}\n`);
    }
  }
  if (summary.error) process.stderr.write(`browser.mjs: ${summary.error}\n`);
  process.exit(code);
}

run().then(
  () => finish(opts.device && summary.error ? 1 : 0),
  (e) => {
    summary.error = String(e.message ?? e);
    finish(1);
  },
);
