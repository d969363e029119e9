// Self-check of the Cloudflare lab (no mcp-tether involved): node tests/lab-cf/selfcheck.mjs
//
// Starts start.mjs, then plays an OAuth client with plain fetch: discovery, DCR (public client),
// authorize with PKCE S256 (following the auto-approve redirect by hand), code exchange, MCP
// initialize + tools/call echo, waits for the 60 s access token to expire, checks the 401,
// refreshes, calls again, and prints the lab counters. Exits non-zero on anything unexpected.
//
// LAB_CF_SKIP_EXPIRY=1 skips the ~65 s wait (and the expiry check).

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const say = (...a) => console.log(...a);
let failures = 0;
function check(cond, what, extra) {
  if (cond) say(`ok   ${what}`);
  else {
    failures++;
    say(`FAIL ${what}`, extra === undefined ? '' : JSON.stringify(extra));
  }
  return cond;
}
const b64url = (buf) => Buffer.from(buf).toString('base64url');

// ---- start the lab
const t0 = performance.now();
const lab = spawn(process.execPath, [path.join(HERE, 'start.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const announce = await new Promise((resolve, reject) => {
  const rl = readline.createInterface({ input: lab.stdout });
  rl.once('line', (l) => resolve(JSON.parse(l)));
  lab.once('exit', (c) => reject(new Error(`start.mjs exited with ${c} before announcing`)));
});
say(`lab up in ${Math.round(performance.now() - t0)} ms:`, JSON.stringify(announce));
const stopLab = () => new Promise((r) => {
  if (lab.exitCode !== null) return r();
  lab.once('exit', r);
  lab.stdin.end(); // EOF: the contract's way to stop it
});

async function main() {
  const { url: mcpUrl, issuer } = announce;

  // ---- discovery
  const unauth = await fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {} }),
  });
  const wwwAuth = unauth.headers.get('www-authenticate');
  check(unauth.status === 401, 'unauthenticated POST /mcp -> 401', unauth.status);
  say(`     WWW-Authenticate: ${wwwAuth}`);
  const rmUrl = /resource_metadata="([^"]+)"/.exec(wwwAuth ?? '')?.[1];
  check(!!rmUrl, 'challenge names resource_metadata');
  const prm = await (await fetch(rmUrl)).json();
  say(`     protected resource metadata: ${JSON.stringify(prm)}`);
  check(prm.resource === mcpUrl, 'PRM resource == MCP URL', prm.resource);
  check(prm.authorization_servers?.[0] === issuer, 'PRM authorization_servers[0] == issuer');
  const rootPrm = await fetch(`${issuer}/.well-known/oauth-protected-resource`);
  say(`     GET /.well-known/oauth-protected-resource (root) -> ${rootPrm.status}`);
  const asm = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
  say(`     AS metadata: ${JSON.stringify(asm)}`);
  check(asm.issuer === issuer, 'AS metadata issuer');
  check(asm.code_challenge_methods_supported?.includes('S256'), 'PKCE S256 advertised');
  say(`     token_endpoint_auth_methods_supported: ${JSON.stringify(asm.token_endpoint_auth_methods_supported)}`);
  const oidc = await fetch(`${issuer}/.well-known/openid-configuration`);
  say(`     GET /.well-known/openid-configuration -> ${oidc.status}`);

  // ---- dynamic client registration (public client)
  const redirectUri = 'http://127.0.0.1:9/callback'; // never contacted: we read Location ourselves
  const regRes = await fetch(asm.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'lab-cf selfcheck',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const reg = await regRes.json();
  check(regRes.status === 201 || regRes.status === 200, `register -> ${regRes.status}`, reg);
  check(reg.token_endpoint_auth_method === 'none' && !reg.client_secret, 'registered as a public client', reg);
  const clientId = reg.client_id;

  // ---- authorize (PKCE S256), auto-approved
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(12));
  const authUrl = new URL(asm.authorization_endpoint);
  authUrl.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'mcp',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: mcpUrl,
  }).toString();
  const authRes = await fetch(authUrl, { redirect: 'manual' });
  const location = authRes.headers.get('location');
  check(authRes.status === 302 && !!location, `authorize -> ${authRes.status} with Location`, await authRes.text());
  const cb = new URL(location);
  say(`     redirect: ${cb.origin}${cb.pathname}?${[...cb.searchParams.keys()].join('&')}`);
  check(cb.searchParams.get('state') === state, 'state echoed');
  check(cb.searchParams.get('iss') === issuer, 'iss (RFC 9207) == issuer', cb.searchParams.get('iss'));
  const code = cb.searchParams.get('code');
  check(!!code, 'got a code');

  // ---- token
  const tokenReq = (params) =>
    fetch(asm.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
  let res = await tokenReq({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: verifier,
    resource: mcpUrl,
  });
  let tok = await res.json();
  check(res.status === 200 && tok.access_token && tok.refresh_token, 'code exchange -> access + refresh token', tok);
  say(`     token response: token_type=${tok.token_type} expires_in=${tok.expires_in} scope=${tok.scope} keys=${Object.keys(tok).join(',')}`);
  check(tok.expires_in === 60, 'expires_in == 60', tok.expires_in);

  // ---- MCP with the token
  const mcp = (token, msg) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify(msg),
    });
  res = await mcp(tok.access_token, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'selfcheck', version: '0' } },
  });
  let body = await res.json();
  check(res.status === 200 && body.result?.protocolVersion === '2025-11-25', 'initialize -> 2025-11-25', body);
  res = await mcp(tok.access_token, { jsonrpc: '2.0', method: 'notifications/initialized' });
  check(res.status === 202, `notifications/initialized -> ${res.status}`);
  res = await mcp(tok.access_token, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  body = await res.json();
  check(body.result?.tools?.[0]?.name === 'echo', 'tools/list -> echo', body);
  res = await mcp(tok.access_token, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello' } } });
  body = await res.json();
  check(body.result?.content?.[0]?.text === 'hello' && body.result?.content?.[1]?.text === 'user: lab-user',
    'tools/call echo -> "hello" + "user: lab-user"', body);
  res = await fetch(mcpUrl, { headers: { authorization: `Bearer ${tok.access_token}` } });
  check(res.status === 405, `GET /mcp (authorized) -> ${res.status}`);

  // ---- expiry
  if (process.env.LAB_CF_SKIP_EXPIRY !== '1') {
    say('     waiting 65 s for the access token to expire ...');
    await new Promise((r) => setTimeout(r, 65_000));
    res = await mcp(tok.access_token, { jsonrpc: '2.0', id: 4, method: 'tools/list' });
    check(res.status === 401, `old access token after 65 s -> ${res.status}`);
    say(`     WWW-Authenticate: ${res.headers.get('www-authenticate')}`);
    say(`     body: ${await res.text()}`);
  }

  // ---- refresh
  const oldRefresh = tok.refresh_token;
  res = await tokenReq({ grant_type: 'refresh_token', refresh_token: oldRefresh, client_id: clientId });
  tok = await res.json();
  check(res.status === 200 && tok.access_token, 'refresh -> new access token', tok);
  check(!!tok.refresh_token && tok.refresh_token !== oldRefresh, 'refresh token rotated');
  res = await mcp(tok.access_token, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'again' } } });
  body = await res.json();
  check(body.result?.content?.[0]?.text === 'again', 'tools/call echo with the refreshed token', body);

  // ---- counters
  const counters = await (await fetch(`${issuer}/_lab/counters`)).json();
  say(`     counters: ${JSON.stringify(counters)}`);
  check(counters.registrations === 1 && counters.authorizations === 1 &&
    counters.token_requests.authorization_code === 1 && counters.token_requests.refresh_token === 1,
    'counters 1/1/1/1', counters);
}

try {
  await main();
} catch (e) {
  failures++;
  say('FAIL exception:', e?.stack ?? e);
}
await stopLab();
say(failures ? `${failures} check(s) FAILED` : 'all checks passed');
process.exit(failures ? 1 : 0);
