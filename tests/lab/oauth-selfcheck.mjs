// End-to-end self-check of the OAuth lab WITHOUT mcp-tether: this script is
// the OAuth client. It starts oauth-as.mjs and protected-server.mjs, uses
// browser.sh as the user agent (with a loopback callback listener of its own)
// and the official SDK client for MCP.   node oauth-selfcheck.mjs
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const here = new URL('.', import.meta.url).pathname;
const children = [];
process.on('exit', () => children.forEach((c) => c.kill()));
const browserLog = path.join(os.tmpdir(), `oauth-selfcheck-browser-${process.pid}.log`);
process.on('exit', () => fs.rmSync(browserLog, { force: true }));

function start(file, ...args) {
  const child = spawn(process.execPath, [file, ...args], { cwd: here, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.VERBOSE) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, ...JSON.parse(line), stderr: () => stderr }));
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${stderr}`)));
  });
}

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const form = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined));

/** Parse `Bearer k="v", k2="v2"` into an object. */
function parseChallenge(h) {
  assert.ok(h, 'no WWW-Authenticate');
  assert.match(h, /^Bearer\b/);
  const out = {};
  for (const m of h.matchAll(/(\w+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

async function postForm(url, params, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });
  return { status: res.status, body: await res.json() };
}

/** A one-shot loopback listener: resolves with the callback URL it got. */
function callbackListener() {
  let resolveHit;
  const hit = new Promise((r) => (resolveHit = r));
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (u.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('lab client: you can close this window');
    resolveHit(u);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ redirectUri: `http://127.0.0.1:${port}/callback`, hit, close: () => server.close() });
    }),
  );
}

/** Authorization code + PKCE S256 + resource, with browser.sh as the user agent. */
async function authorize(md, { clientId, scope, resource, env = {}, timeoutMs = 15000 }) {
  const cb = await callbackListener();
  try {
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const state = b64url(randomBytes(12));
    const url = new URL(md.authorization_endpoint);
    url.search = form({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: cb.redirectUri,
      scope,
      resource,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    // As mcp-tether would: spawn $BROWSER <url> and don't wait for it.
    const b = spawn(path.join(here, 'browser.sh'), [url.href], {
      stdio: 'ignore',
      env: { ...process.env, LAB_BROWSER_LOG: browserLog, ...env },
    });
    const exited = new Promise((r) => b.once('exit', (code) => r(code)));
    const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('no callback')), timeoutMs));
    const got = await Promise.race([cb.hit, timeout]);
    assert.equal(await exited, 0, 'browser.sh exit code');
    assert.equal(got.searchParams.get('state'), state, 'state');
    assert.equal(got.searchParams.get('iss'), md.issuer, 'iss in authorization response');
    return { callback: got, verifier, redirectUri: cb.redirectUri };
  } finally {
    cb.close();
  }
}

async function codeFlow(md, { clientId, scope, resource }) {
  const { callback, verifier, redirectUri } = await authorize(md, { clientId, scope, resource });
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${callback}`);
  const tok = await postForm(md.token_endpoint, {
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    resource,
  });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  return tok.body;
}

async function mcpClient(url, accessToken) {
  const client = new Client({ name: 'oauth-selfcheck', version: '0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

async function whoami(url, accessToken) {
  const { client } = await mcpClient(url, accessToken);
  try {
    const r = await client.callTool({ name: 'whoami', arguments: {} });
    return JSON.parse(r.content[0].text);
  } finally {
    await client.close();
  }
}

const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const browserRuns = () => (fs.existsSync(browserLog) ? fs.readFileSync(browserLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const lastBrowserRun = () => browserRuns().at(-1);
/** The detached browser writes its summary after it has loaded the callback. */
async function waitBrowserRuns(n) {
  for (let i = 0; i < 100 && browserRuns().length < n; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(browserRuns().length, n, 'browser summary lines');
}

// =================================================================== main lab
const as = await start('oauth-as.mjs', '--rotate-refresh', '--device', '--client-credentials');
const rs = await start('protected-server.mjs', '--issuer', as.issuer);
const resource = rs.url;
let md; // AS metadata
let prm;

await check('401 without token points at the PRM; PRM -> AS metadata (RFC 8414)', async () => {
  const res = await fetch(resource, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
  });
  assert.equal(res.status, 401);
  const ch = parseChallenge(res.headers.get('www-authenticate'));
  assert.equal(ch.resource_metadata, `http://127.0.0.1:${rs.port}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(ch.error, undefined);
  prm = await (await fetch(ch.resource_metadata)).json();
  assert.equal(prm.resource, resource);
  assert.deepEqual(prm.authorization_servers, [as.issuer]);
  assert.deepEqual(prm.scopes_supported, ['mcp:read']);
  md = await (await fetch(`${as.issuer}/.well-known/oauth-authorization-server`)).json();
  assert.equal(md.issuer, as.issuer);
  assert.deepEqual(md.code_challenge_methods_supported, ['S256']);
  assert.ok(md.scopes_supported.includes('offline_access'));
  for (const s of ['mcp:read', 'mcp:write', 'mcp:admin']) assert.ok(md.scopes_supported.includes(s));
  const oidc = await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json();
  assert.deepEqual(oidc, md);
});

await check('invalid token -> 401 invalid_token', async () => {
  const res = await fetch(resource, { method: 'POST', headers: { authorization: 'Bearer not.a.jwt', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 401);
  assert.equal(parseChallenge(res.headers.get('www-authenticate')).error, 'invalid_token');
});

let dcrClient;
await check('DCR (open) + code flow + PKCE + resource -> whoami', async () => {
  const reg = await fetch(md.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'oauth-selfcheck',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    }),
  });
  assert.equal(reg.status, 201);
  dcrClient = await reg.json();
  assert.ok(dcrClient.client_id);
  const runsBefore = browserRuns().length;
  const tok = await codeFlow(md, { clientId: dcrClient.client_id, scope: 'mcp:read offline_access', resource });
  await waitBrowserRuns(runsBefore + 1);
  assert.ok(tok.refresh_token, 'refresh token with offline_access');
  const claims = decode(tok.access_token);
  assert.equal(claims.aud, resource);
  const me = await whoami(resource, tok.access_token);
  assert.equal(me.sub, 'alice');
  assert.equal(me.client_id, dcrClient.client_id);
  assert.equal(me.scope, 'mcp:read');
  assert.equal(me.aud, resource);
  const run = lastBrowserRun();
  assert.deepEqual(run.actions, ['login as alice', 'approve consent']);
  assert.equal(run.callback.status, 200);
  assert.match(run.callback.text, /close this window/);
});

let tokens;
await check('tether-public: code flow, loopback port ignored, refresh with rotation', async () => {
  tokens = await codeFlow(md, { clientId: 'tether-public', scope: 'mcp:read offline_access', resource });
  assert.ok(tokens.refresh_token);
  assert.equal((await whoami(resource, tokens.access_token)).client_id, 'tether-public');
  const r1 = await postForm(md.token_endpoint, { grant_type: 'refresh_token', client_id: 'tether-public', refresh_token: tokens.refresh_token });
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  assert.notEqual(r1.body.refresh_token, tokens.refresh_token, 'rotated');
  assert.equal(decode(r1.body.access_token).aud, resource, 'refresh keeps the granted resource');
  assert.equal((await whoami(resource, r1.body.access_token)).sub, 'alice');
  const reuse = await postForm(md.token_endpoint, { grant_type: 'refresh_token', client_id: 'tether-public', refresh_token: tokens.refresh_token });
  assert.equal(reuse.status, 400);
  assert.equal(reuse.body.error, 'invalid_grant');
  tokens = r1.body;
});

await check('step-up: admin -> 403 insufficient_scope, reauthorize with mcp:admin, admin ok', async () => {
  const { client, transport } = await mcpClient(resource, tokens.access_token);
  const res = await fetch(resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.access_token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': transport.sessionId,
      'mcp-protocol-version': transport.protocolVersion ?? '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'admin', arguments: {} } }),
  });
  assert.equal(res.status, 403);
  const ch = parseChallenge(res.headers.get('www-authenticate'));
  assert.equal(ch.error, 'insufficient_scope');
  assert.equal(ch.scope, 'mcp:read mcp:admin');
  assert.ok(ch.resource_metadata);
  await client.close();
  const up = await codeFlow(md, { clientId: 'tether-public', scope: `${ch.scope} offline_access`, resource });
  assert.equal(decode(up.access_token).scope, 'mcp:read mcp:admin');
  const c2 = await mcpClient(resource, up.access_token);
  const r = await c2.client.callTool({ name: 'admin', arguments: { text: 'hi' } });
  assert.equal(r.content[0].text, 'admin ok hi');
  await c2.client.close();
});

await check('deny consent -> callback with error=access_denied', async () => {
  const runsBefore = browserRuns().length;
  const { callback } = await authorize(md, { clientId: 'tether-public', scope: 'mcp:read', resource, env: { LAB_BROWSER_DENY: '1' } });
  await waitBrowserRuns(runsBefore + 1);
  assert.equal(callback.searchParams.get('error'), 'access_denied');
  assert.deepEqual(lastBrowserRun().actions, ['login as alice', 'deny consent']);
});

await check('LAB_BROWSER_NO_CALLBACK prints the redirect URL', async () => {
  const verifier = b64url(randomBytes(32));
  const url = new URL(md.authorization_endpoint);
  url.search = form({
    response_type: 'code',
    client_id: 'tether-strict',
    redirect_uri: 'http://127.0.0.1:47931/callback',
    scope: 'mcp:read',
    resource,
    state: 's1',
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  const out = await new Promise((resolve) => {
    const b = spawn(path.join(here, 'browser.sh'), [url.href], { env: { ...process.env, LAB_BROWSER_NO_CALLBACK: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    b.stdout.on('data', (d) => (s += d));
    b.on('exit', () => resolve(s.trim()));
  });
  const u = new URL(out);
  assert.equal(u.origin + u.pathname, 'http://127.0.0.1:47931/callback');
  assert.ok(u.searchParams.get('code'));
});

await check('tether-strict: other port is rejected (no redirect)', async () => {
  const url = new URL(md.authorization_endpoint);
  url.search = form({
    response_type: 'code',
    client_id: 'tether-strict',
    redirect_uri: 'http://127.0.0.1:47932/callback',
    scope: 'mcp:read',
    resource,
    code_challenge: b64url(randomBytes(32)),
    code_challenge_method: 'S256',
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /redirect_uri did not match/);
});

await check('device flow approve (browser.mjs --device) and deny', async () => {
  const da = await postForm(md.device_authorization_endpoint, { client_id: 'tether-public', scope: 'mcp:read offline_access', resource });
  assert.equal(da.status, 200, JSON.stringify(da.body));
  const run = spawn(process.execPath, [path.join(here, 'browser.mjs'), '--device', da.body.verification_uri_complete], {
    env: { ...process.env, LAB_BROWSER_LOG: browserLog },
    stdio: 'inherit',
  });
  assert.equal(await new Promise((r) => run.on('exit', r)), 0);
  const tok = await postForm(md.token_endpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tether-public', device_code: da.body.device_code, resource });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  assert.ok(tok.body.refresh_token);
  assert.equal((await whoami(resource, tok.body.access_token)).sub, 'alice');

  const d2 = await postForm(md.device_authorization_endpoint, { client_id: 'tether-public', scope: 'mcp:read', resource });
  const pending = await postForm(md.token_endpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tether-public', device_code: d2.body.device_code });
  assert.equal(pending.body.error, 'authorization_pending');
  const deny = spawn(process.execPath, [path.join(here, 'browser.mjs'), '--device', d2.body.verification_uri, '--user-code', d2.body.user_code, '--deny'], { stdio: 'inherit' });
  await new Promise((r) => deny.on('exit', r));
  await new Promise((r) => setTimeout(r, 5500)); // respect the polling interval
  const denied = await postForm(md.token_endpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tether-public', device_code: d2.body.device_code });
  assert.equal(denied.body.error, 'access_denied', JSON.stringify(denied.body));
});

await check('client_credentials: tether-confidential (basic + post)', async () => {
  const basic = Buffer.from('tether-confidential:tether-secret').toString('base64');
  const t1 = await postForm(md.token_endpoint, { grant_type: 'client_credentials', scope: 'mcp:read', resource }, { authorization: `Basic ${basic}` });
  assert.equal(t1.status, 200, JSON.stringify(t1.body));
  const me = await whoami(resource, t1.body.access_token);
  assert.equal(me.client_id, 'tether-confidential');
  assert.equal(me.sub, 'tether-confidential');
  const t2 = await postForm(md.token_endpoint, { grant_type: 'client_credentials', client_id: 'tether-confidential-post', client_secret: 'tether-secret', scope: 'mcp:read', resource });
  assert.equal(t2.status, 200, JSON.stringify(t2.body));
  assert.equal((await whoami(resource, t2.body.access_token)).client_id, 'tether-confidential-post');
  const bad = await postForm(md.token_endpoint, { grant_type: 'client_credentials', scope: 'mcp:read', resource }, { authorization: `Basic ${Buffer.from('tether-confidential:wrong').toString('base64')}` });
  assert.equal(bad.body.error, 'invalid_client');
});

await check('client_credentials: tether-jwt (private_key_jwt)', async () => {
  const key = await jose.importPKCS8(fs.readFileSync(as.jwtClientKeyPath, 'utf8'), 'RS256');
  const assertion = await new jose.SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: as.jwtClientKid })
    .setIssuer('tether-jwt')
    .setSubject('tether-jwt')
    .setAudience(md.token_endpoint)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(key);
  const t = await postForm(md.token_endpoint, {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: 'mcp:read',
    resource,
  });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal((await whoami(resource, t.body.access_token)).client_id, 'tether-jwt');
});

await check('token for another resource is rejected by the RS (aud)', async () => {
  const basic = Buffer.from('tether-confidential:tether-secret').toString('base64');
  const t = await postForm(md.token_endpoint, { grant_type: 'client_credentials', scope: 'mcp:read', resource: 'http://127.0.0.1:1/mcp' }, { authorization: `Basic ${basic}` });
  assert.equal(t.status, 200);
  const res = await fetch(resource, { method: 'POST', headers: { authorization: `Bearer ${t.body.access_token}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 401);
  assert.equal(parseChallenge(res.headers.get('www-authenticate')).error, 'invalid_token');
  const other = await postForm(md.token_endpoint, { grant_type: 'client_credentials', scope: 'mcp:read', resource: 'https://example.com/mcp' }, { authorization: `Basic ${basic}` });
  assert.equal(other.body.error, 'invalid_target');
});

await check('AS /_lab/log and /_lab/counters', async () => {
  const c = await (await fetch(`http://127.0.0.1:${as.port}/_lab/counters`)).json();
  assert.ok(c.authorization >= 5, JSON.stringify(c));
  assert.ok(c.token.authorization_code >= 3);
  assert.equal(c.token.refresh_token, 2, JSON.stringify(c));
  assert.ok(c.token.client_credentials >= 4);
  assert.equal(c.registration, 1);
  assert.equal(c.deviceAuthorization, 2);
  const log = await (await fetch(`http://127.0.0.1:${as.port}/_lab/log`)).json();
  const reg = log.find((e) => e.path.endsWith('/reg'));
  assert.equal(reg.status, 201);
  assert.equal(reg.body.client_name, 'oauth-selfcheck');
  await fetch(`http://127.0.0.1:${as.port}/_lab/reset-log`, { method: 'POST' });
  assert.equal((await (await fetch(`http://127.0.0.1:${as.port}/_lab/counters`)).json()).authorization, 0);
});

// ================================================ variant: --jwt-bearer grant
await check('--jwt-bearer: workload assertions (valid, expired, wrong aud/iss), clients and scopes', async () => {
  const as3 = await start('oauth-as.mjs', '--jwt-bearer');
  assert.equal(as3.workloadIssuer, 'https://workload-issuer.lab.test');
  const rs3 = await start('protected-server.mjs', '--issuer', as3.issuer);
  const md3 = await (await fetch(`${as3.issuer}/.well-known/oauth-authorization-server`)).json();
  const GT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  assert.ok(md3.grant_types_supported.includes(GT));
  const get = async (q) => (await fetch(`http://127.0.0.1:${as3.port}/_lab/workload-assertion?${q}`)).json();
  const valid = await get('kind=valid&sub=wl-1');
  assert.equal(decode(valid.assertion).aud, as3.issuer);
  const t = await postForm(md3.token_endpoint, { grant_type: GT, client_id: 'workload-client', assertion: valid.assertion, scope: 'mcp:read offline_access', resource: rs3.url });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(t.body.refresh_token, undefined);
  const me = await whoami(rs3.url, t.body.access_token);
  assert.equal(me.sub, 'wl-1');
  assert.equal(me.aud, rs3.url);
  assert.equal(me.scope, 'mcp:read');
  assert.equal(me.client_id, 'workload-client');
  for (const kind of ['expired', 'wrong-aud', 'wrong-iss']) {
    const bad = await postForm(md3.token_endpoint, { grant_type: GT, client_id: 'workload-client', assertion: (await get(`kind=${kind}`)).assertion, resource: rs3.url });
    assert.equal(bad.status, 400, kind);
    assert.equal(bad.body.error, 'invalid_grant', kind);
  }
  const narrow = await postForm(md3.token_endpoint, { grant_type: GT, client_id: 'workload-narrow', assertion: valid.assertion, scope: 'mcp:read offline_access', resource: rs3.url });
  assert.equal(narrow.body.error, 'invalid_scope');
  const noResource = await postForm(md3.token_endpoint, { grant_type: GT, client_id: 'workload-client', assertion: valid.assertion });
  assert.equal(noResource.body.error, 'invalid_target');
  const otherClient = await postForm(md3.token_endpoint, { grant_type: GT, client_id: 'tether-public', assertion: valid.assertion, resource: rs3.url });
  assert.equal(otherClient.body.error, 'invalid_request');
  const c = await (await fetch(`http://127.0.0.1:${as3.port}/_lab/counters`)).json();
  assert.equal(c.token[GT], 7, JSON.stringify(c));
  assert.equal((await fetch(`http://127.0.0.1:${as.port}/_lab/workload-assertion`)).status, 404, 'only with --jwt-bearer');
  as3.child.kill();
  rs3.child.kill();
});

// ============================================== variant: path issuer, IAT DCR
await check('issuer path + rfc8414 only + DCR with IAT + hidden PKCE methods', async () => {
  const as2 = await start('oauth-as.mjs', '--issuer-path', '/tenant1', '--discovery', 'rfc8414', '--dcr', 'iat', '--hide-pkce-methods', '--access-ttl', '60');
  assert.equal(as2.issuer, `http://127.0.0.1:${as2.port}/tenant1`);
  assert.ok(as2.initialAccessToken);
  const o = `http://127.0.0.1:${as2.port}`;
  const m2 = await fetch(`${o}/.well-known/oauth-authorization-server/tenant1`);
  assert.equal(m2.status, 200);
  const md2 = await m2.json();
  assert.equal(md2.issuer, as2.issuer);
  assert.equal(md2.code_challenge_methods_supported, undefined);
  assert.equal((await fetch(`${o}/tenant1/.well-known/openid-configuration`)).status, 404);
  assert.equal((await fetch(`${o}/.well-known/openid-configuration/tenant1`)).status, 404);
  const body = JSON.stringify({ redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', application_type: 'native', grant_types: ['authorization_code'] });
  const noIat = await fetch(md2.registration_endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(noIat.status, 401);
  const withIat = await fetch(md2.registration_endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${as2.initialAccessToken}` }, body });
  assert.equal(withIat.status, 201);
  // PKCE is still enforced.
  const noPkce = new URL(md2.authorization_endpoint);
  noPkce.search = form({ response_type: 'code', client_id: 'tether-public', redirect_uri: 'http://127.0.0.1:5/callback', scope: 'mcp:read', resource }).toString();
  const r = await fetch(noPkce, { redirect: 'manual' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /error=invalid_request&error_description=[^&]*PKCE/);
  // A protected server for this issuer finds its metadata and accepts its tokens.
  const rs2 = await start('protected-server.mjs', '--issuer', as2.issuer, '--prm', 'custom', '--challenge-scope');
  const ch = parseChallenge((await fetch(rs2.url, { method: 'POST', body: '{}' })).headers.get('www-authenticate'));
  assert.equal(ch.resource_metadata, `http://127.0.0.1:${rs2.port}/custom/prm.json`);
  assert.equal(ch.scope, 'mcp:read');
  assert.equal((await fetch(`http://127.0.0.1:${rs2.port}/.well-known/oauth-protected-resource/mcp`)).status, 404);
  const tok = await codeFlow(md2, { clientId: 'tether-public', scope: 'mcp:read', resource: rs2.url });
  assert.equal(tok.expires_in, 60);
  assert.equal(tok.refresh_token, undefined, 'no offline_access -> no refresh token');
  assert.equal((await whoami(rs2.url, tok.access_token)).aud, rs2.url);
  as2.child.kill();
  rs2.child.kill();
});

await check('protected-server --prm root/none, --no-resource-metadata-in-challenge, --prm-resource', async () => {
  const a = await start('protected-server.mjs', '--issuer', as.issuer, '--prm', 'root', '--prm-resource', 'http://127.0.0.1:1/wrong', '--prm-as', 'http://127.0.0.1:2/other');
  const ch = parseChallenge((await fetch(a.url, { method: 'POST', body: '{}' })).headers.get('www-authenticate'));
  assert.equal(ch.resource_metadata, `http://127.0.0.1:${a.port}/.well-known/oauth-protected-resource`);
  const doc = await (await fetch(ch.resource_metadata)).json();
  assert.equal(doc.resource, 'http://127.0.0.1:1/wrong');
  assert.deepEqual(doc.authorization_servers, ['http://127.0.0.1:2/other']);
  const b = await start('protected-server.mjs', '--issuer', as.issuer, '--no-resource-metadata-in-challenge');
  const h = (await fetch(b.url, { method: 'POST', body: '{}' })).headers.get('www-authenticate');
  assert.equal(h, 'Bearer');
  assert.equal((await fetch(`http://127.0.0.1:${b.port}/.well-known/oauth-protected-resource/mcp`)).status, 200);
  const c = await start('protected-server.mjs', '--issuer', as.issuer, '--prm', 'none');
  assert.equal((await fetch(c.url, { method: 'POST', body: '{}' })).status, 401);
  assert.equal((await fetch(`http://127.0.0.1:${c.port}/.well-known/oauth-protected-resource`)).status, 404);
  for (const s of [a, b, c]) s.child.kill();
});

console.log(failures ? `${failures} FAILED` : 'all ok');
process.exit(failures ? 1 : 0);
