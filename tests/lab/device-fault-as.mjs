// HAND-MADE FAKE authorization server (and protected resource) for the device
// flow. It exists only for what oidc-provider can't be made to do on demand:
// answer a device-code poll with `slow_down`, or keep a code pending until it
// expires after a few seconds. Everything else about the device flow is
// tested against oidc-provider (oauth-as.mjs --device).
//
//   node device-fault-as.mjs [--port N] [--script slow_down,pending,ok] [--expires-in S] [--interval S]
//
// POST /mcp answers 401 pointing at its own resource metadata, which names
// this server as the authorization server. The token endpoint answers the
// device-code polls in the order of --script (the last entry repeats):
// `pending` (authorization_pending), `slow_down`, `denied` (access_denied),
// `expired` (expired_token) or `ok` (an access token). /_lab/log shows every
// request with its arrival time (`extra.at`, ms since start).

import http from 'node:http';
import { parseArgs, log, RequestLog, readFormOrJson, sendJson, handleLabControl, listenAndAnnounce } from './lab-common.mjs';

const NAME = 'device-fault-as';
const args = parseArgs(process.argv.slice(2), ['script', 'expires-in', 'interval']);
const script = (args.values.script ?? 'pending,ok').split(',');
const expiresIn = Number(args.values['expires-in'] ?? 60);
const interval = Number(args.values.interval ?? 1);
const requestLog = new RequestLog();
const started = Date.now();
let polls = 0;
let base = '';

const oauthError = (res, error) => sendJson(res, 400, { error, error_description: `scripted ${error}` });

const server = http.createServer(async (req, res) => {
  if (await handleLabControl(req, res, requestLog)) return;
  const body = await readFormOrJson(req);
  const entry = requestLog.add(req, body, res);
  entry.extra = { at: Date.now() - started };
  const path = req.url.split('?')[0];

  if (path === '/mcp') {
    if (req.headers.authorization === 'Bearer fake-device-token') {
      return sendJson(res, 200, { jsonrpc: '2.0', id: body?.id ?? null, result: {} });
    }
    return sendJson(res, 401, { error: 'unauthorized' }, {
      'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
    });
  }
  if (path === '/.well-known/oauth-protected-resource/mcp') {
    return sendJson(res, 200, { resource: `${base}/mcp`, authorization_servers: [base] });
  }
  if (path === '/.well-known/oauth-authorization-server') {
    return sendJson(res, 200, {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      device_authorization_endpoint: `${base}/device`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
  }
  if (path === '/device' && req.method === 'POST') {
    return sendJson(res, 200, {
      device_code: 'fake-device-code',
      user_code: 'FAKE-CODE',
      verification_uri: `${base}/activate`,
      verification_uri_complete: `${base}/activate?user_code=FAKE-CODE`,
      expires_in: expiresIn,
      interval,
    });
  }
  if (path === '/token' && req.method === 'POST') {
    const step = script[Math.min(polls, script.length - 1)];
    polls++;
    log(NAME, `poll ${polls}: ${step}`);
    switch (step) {
      case 'ok':
        return sendJson(res, 200, { access_token: 'fake-device-token', token_type: 'Bearer', expires_in: 3600 });
      case 'slow_down':
        return oauthError(res, 'slow_down');
      case 'denied':
        return oauthError(res, 'access_denied');
      case 'expired':
        return oauthError(res, 'expired_token');
      default:
        return oauthError(res, 'authorization_pending');
    }
  }
  sendJson(res, 404, { error: 'not found' });
});

listenAndAnnounce(server, {
  name: NAME,
  port: args.port,
  urlPath: '/mcp',
  announce: (port) => {
    base = `http://127.0.0.1:${port}`;
    return { port, url: `${base}/mcp` };
  },
});
