// HAND-MADE FAKE: a hostile or broken MCP server + authorization server for
// the mcp-tether lab.
//
// This is NOT a real MCP server and NOT a real authorization server. It
// exists only to misbehave on purpose in ways a real server (sdk-server,
// protected-server, oidc-provider) can't be made to: metadata for another
// resource or issuer, insecure or script endpoints, oversized documents and
// headers, cross-origin redirects, malformed token responses. Everything is
// written by hand on node:http (and node:net for raw headers), just far enough
// for the bridge to reach the misbehaviour.
//
//   node hostile-server.mjs --mode NAME [--variant NAME] [--port N]
//
// It listens on TWO origins: the "main" one (the MCP server and its
// authorization server, issuer = its origin) and an "other" one on another
// port. Both are 127.0.0.1. Both log into the same /_lab/log, and every entry
// says where it arrived: `origin: "main" | "other"` and `port`. Tests use the
// other origin to check that nothing (no token, no secret) leaks there.
//
// Announce line:
//   {"port":A,"url":"http://127.0.0.1:A/mcp","otherPort":B,"otherUrl":"http://127.0.0.1:B/mcp",
//    "mode":"…","variant":"…"|null,"token":"<the access token the token endpoint issues>"}
//
// The normal path (what every mode does unless it says otherwise):
//   POST /mcp without a valid token -> 401 with
//       WWW-Authenticate: Bearer resource_metadata="A/.well-known/oauth-protected-resource/mcp"
//   POST /mcp with `Authorization: Bearer <token>` -> a minimal JSON-RPC server
//       (initialize, ping, tools/list, tools/call echo; notifications get 202)
//   GET  /.well-known/oauth-protected-resource[/mcp] -> {resource: A/mcp, authorization_servers: [A]}
//   GET  /.well-known/oauth-authorization-server, /.well-known/openid-configuration
//        -> issuer A, A/authorize, A/token, A/register, S256, client_credentials allowed
//   POST /register -> 201, a public client `hostile-client`
//   POST /token    -> {access_token: <token>, token_type: "Bearer", expires_in: 3600}
//   GET  /authorize -> 400 (nobody should get that far)
// The other origin answers /mcp with a JSON-RPC result (text "reached the
// other origin") whatever it carries, /token with a token, and 404 otherwise.
//
// Modes (--variant in brackets, the first is the default):
//   prm-resource-mismatch  PRM `resource` is B/mcp [other] or https://evil.example/mcp [evil]
//   issuer-mismatch        AS metadata says issuer B (and its endpoints are on B) although it was
//                          fetched for issuer A [other]; or https://evil.example [evil]
//   http-endpoints         AS endpoints are http://auth.example.test/… (non-loopback plain http)
//   javascript-authz       authorization_endpoint is javascript:alert(1) [javascript|data|file]
//   huge-metadata          2 MB of padding in a JSON field: [prm|prm-chunked|as|as-chunked];
//                          *-chunked streams it without Content-Length
//   huge-www-authenticate  the 401's WWW-Authenticate is [huge] 100 KB (valid resource_metadata
//                          first, then padding in error_description), [malformed]: unterminated
//                          quotes and garbage (valid HTTP), or [control-chars]: DEL and \x01 bytes
//                          in the value (invalid HTTP). Written on the raw socket.
//   redirect-cross-origin  POST /mcp carrying any `Authorization: Bearer …` gets
//                          307 Location: B/mcp (without one: the 401 challenge)
//   token-no-access-token  the token endpoint answers 200 without access_token
//   token-type-mac         the token endpoint answers token_type "MAC" (+ mac_key)
//   token-bearer-lowercase the token endpoint answers token_type "bearer" (must be accepted)
//
// See README.md for the /_lab endpoints (log, reset-log) shared with the other servers.

import http from 'node:http';
import { parseArgs, die, log, RequestLog, readFormOrJson, sendJson, handleLabControl, listenAndAnnounce } from './lab-common.mjs';

const NAME = 'hostile-server';
const MODES = {
  'prm-resource-mismatch': ['other', 'evil'],
  'issuer-mismatch': ['other', 'evil'],
  'http-endpoints': ['default'],
  'javascript-authz': ['javascript', 'data', 'file'],
  'huge-metadata': ['prm', 'prm-chunked', 'as', 'as-chunked'],
  'huge-www-authenticate': ['huge', 'malformed', 'control-chars'],
  'redirect-cross-origin': ['default'],
  'token-no-access-token': ['default'],
  'token-type-mac': ['default'],
  'token-bearer-lowercase': ['default'],
};

const args = parseArgs(process.argv.slice(2), ['mode', 'variant']);
if (args.flags.size) die(`unknown flag --${[...args.flags][0]}`);
const mode = args.values.mode;
if (!mode || !MODES[mode]) die(`--mode must be one of: ${Object.keys(MODES).join(', ')}`);
const variant = args.values.variant ?? MODES[mode][0];
if (!MODES[mode].includes(variant)) die(`--variant for ${mode} must be one of: ${MODES[mode].join(', ')}`);

const TOKEN = mode === 'token-type-mac' ? 'hostile-mac-token' : 'hostile-access-token';
const PAD = 2 * 1024 * 1024;

const requestLog = new RequestLog();
let A = ''; // http://127.0.0.1:portA
let B = ''; // http://127.0.0.1:portB

const rpcResult = (id, result) => ({ jsonrpc: '2.0', id, result });
const rpcError = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });

function prmDoc() {
  let resource = `${A}/mcp`;
  if (mode === 'prm-resource-mismatch') resource = variant === 'evil' ? 'https://evil.example/mcp' : `${B}/mcp`;
  return { resource, authorization_servers: [A], bearer_methods_supported: ['header'], scopes_supported: ['mcp'] };
}

function asDoc() {
  let issuer = A;
  let ep = A;
  if (mode === 'issuer-mismatch') {
    issuer = variant === 'evil' ? 'https://evil.example' : B;
    ep = issuer; // a bridge that ignores the mismatch would send its secrets there
  }
  if (mode === 'http-endpoints') ep = 'http://auth.example.test';
  const doc = {
    issuer,
    authorization_endpoint: `${ep}/authorize`,
    token_endpoint: `${ep}/token`,
    registration_endpoint: `${ep}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    scopes_supported: ['mcp'],
  };
  if (mode === 'javascript-authz') {
    doc.authorization_endpoint = {
      javascript: 'javascript:alert(1)',
      data: 'data:text/html,<script>alert(1)</script>',
      file: 'file:///etc/passwd',
    }[variant];
  }
  return doc;
}

/** A JSON document with 2 MB of padding: Content-Length, or streamed chunked. */
function sendHuge(res, doc, chunked) {
  const head = JSON.stringify(doc).slice(0, -1) + ',"x_padding":"';
  const tail = '"}';
  if (!chunked) {
    const body = head + 'a'.repeat(PAD) + tail;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
  res.write(head);
  const chunk = 'a'.repeat(64 * 1024);
  let sent = 0;
  const pump = () => {
    while (sent < PAD) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('error', () => {});
  pump();
}

function sendMetadata(res, which) {
  const doc = which === 'prm' ? prmDoc() : asDoc();
  if (mode === 'huge-metadata' && variant.startsWith(which)) {
    return sendHuge(res, doc, variant.endsWith('-chunked'));
  }
  sendJson(res, 200, doc);
}

/** 401 on the raw socket, so the header can be as big or as broken as we like. */
function rawChallenge(req, res, value) {
  const body = JSON.stringify({ error: 'unauthorized' });
  const sock = res.socket;
  // Mark the response as sent for the log, then write by hand and close.
  res.statusCode = 401;
  res._header = 'raw'; // headersSent is now true
  sock.write(
    'HTTP/1.1 401 Unauthorized\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      `WWW-Authenticate: ${value}\r\n` +
      '\r\n' +
      body,
  );
  sock.end();
}

function challenge(req, res) {
  const rm = `${A}/.well-known/oauth-protected-resource/mcp`;
  if (mode === 'huge-www-authenticate') {
    const value = {
      huge: `Bearer resource_metadata="${rm}", error="invalid_request", error_description="${'x'.repeat(100 * 1024)}"`,
      malformed: `Bearer resource_metadata="${rm}, error="invalid_token, scope=mcp "unterminated, =,,="garbage" ""realm=\\`,
      'control-chars': `Bearer resource_metadata="${rm}", error="\x7f\x01garbage"`,
    }[variant];
    return rawChallenge(req, res, value);
  }
  sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer resource_metadata="${rm}"` });
}

function mcp(req, res, body, origin) {
  if (origin === 'other') {
    // Whatever arrives here is a leak the tests look for in the log.
    return sendJson(res, 200, rpcResult(body?.id ?? null, {
      protocolVersion: '2025-11-25',
      capabilities: { tools: {} },
      serverInfo: { name: 'other-origin', version: '0' },
      content: [{ type: 'text', text: 'reached the other origin' }],
    }), { 'mcp-session-id': 'other-session' });
  }
  const auth = req.headers.authorization ?? '';
  if (mode === 'redirect-cross-origin' && /^bearer\s/i.test(auth)) {
    res.writeHead(307, { location: `${B}/mcp`, 'content-length': 0 });
    return res.end();
  }
  if (auth !== `Bearer ${TOKEN}`) return challenge(req, res);
  if (req.method === 'GET') return sendJson(res, 405, { error: 'no GET stream' }, { allow: 'POST, DELETE' });
  if (req.method === 'DELETE') {
    res.writeHead(200);
    return res.end();
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return sendJson(res, 400, rpcError(null, -32700, 'bad body'));
  if (body.id === undefined || body.method === undefined) {
    res.writeHead(202);
    return res.end();
  }
  const h = { 'mcp-session-id': 'hostile-session' };
  switch (body.method) {
    case 'initialize':
      return sendJson(res, 200, rpcResult(body.id, {
        protocolVersion: '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'hostile-server', version: '0' },
      }), h);
    case 'ping':
      return sendJson(res, 200, rpcResult(body.id, {}), h);
    case 'tools/list':
      return sendJson(res, 200, rpcResult(body.id, {
        tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }],
      }), h);
    case 'tools/call':
      return sendJson(res, 200, rpcResult(body.id, {
        content: [{ type: 'text', text: String(body.params?.arguments?.text ?? '') }],
      }), h);
    default:
      return sendJson(res, 200, rpcError(body.id, -32601, `no method ${body.method}`), h);
  }
}

function token(res) {
  switch (mode) {
    case 'token-no-access-token':
      return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3600 });
    case 'token-type-mac':
      return sendJson(res, 200, { access_token: TOKEN, token_type: 'MAC', mac_key: 'k', mac_algorithm: 'hmac-sha-256', expires_in: 3600 });
    case 'token-bearer-lowercase':
      return sendJson(res, 200, { access_token: TOKEN, token_type: 'bearer', expires_in: 3600 });
    default:
      return sendJson(res, 200, { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 });
  }
}

function handler(origin) {
  return async (req, res) => {
    try {
      if (await handleLabControl(req, res, requestLog)) return;
      const body = await readFormOrJson(req);
      const entry = requestLog.add(req, body, res);
      entry.origin = origin;
      entry.port = req.socket.localPort;
      const path = new URL(req.url, 'http://x').pathname;

      if (path === '/mcp') return mcp(req, res, body, origin);
      if (origin === 'other') {
        if (path === '/token' && req.method === 'POST') return token(res);
        return sendJson(res, 404, { error: 'not found' });
      }
      if (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource') {
        return sendMetadata(res, 'prm');
      }
      if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration') {
        return sendMetadata(res, 'as');
      }
      if (path === '/register' && req.method === 'POST') {
        return sendJson(res, 201, {
          ...(body && typeof body === 'object' ? body : {}),
          client_id: 'hostile-client',
          token_endpoint_auth_method: 'none',
          client_id_issued_at: Math.floor(Date.now() / 1000),
        });
      }
      if (path === '/token' && req.method === 'POST') return token(res);
      if (path === '/authorize') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('hostile-server: the authorization endpoint is not implemented');
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (e) {
      log(NAME, `error handling ${req.method} ${req.url}: ${e.stack ?? e}`);
      if (!res.headersSent) sendJson(res, 500, { error: String(e.message ?? e) });
      else res.end();
    }
  };
}

// The log entries carry the origin; RequestLog.toJSON doesn't know about it.
const baseToJSON = requestLog.toJSON.bind(requestLog);
requestLog.toJSON = () =>
  baseToJSON().map((o, i) => {
    const e = requestLog.entries[i];
    const status = e.res._header === 'raw' ? 401 : o.status;
    return { ...o, status, origin: e.origin, port: e.port };
  });

const main = http.createServer(handler('main'));
const other = http.createServer(handler('other'));
other.on('error', (err) => die(`[${NAME}] listen failed (other): ${err.message}`));

listenAndAnnounce(main, {
  name: NAME,
  port: args.port,
  urlPath: '/mcp',
  onShutdown: () => other.close(),
  announce: (portA) =>
    new Promise((resolve) => {
      A = `http://127.0.0.1:${portA}`;
      other.listen(0, '127.0.0.1', () => {
        const portB = other.address().port;
        B = `http://127.0.0.1:${portB}`;
        log(NAME, `mode ${mode} (${variant}); other origin on 127.0.0.1:${portB}`);
        resolve({ port: portA, url: `${A}/mcp`, otherPort: portB, otherUrl: `${B}/mcp`, mode, variant, token: TOKEN });
      });
    }),
});
