#!/usr/bin/env node
// Minimal MCP Streamable HTTP server for the benchmark. Node built-ins only.
//
//   node bench/upstream.mjs [--get sse|405] [--responses json|sse] [--auth [--valid-token T] [--dpop]]
//
// Prints {"port":N,"url":"http://127.0.0.1:N/mcp"} on stdout once listening.
//
//   --get sse      (default) GET /mcp with a known session opens a text/event-stream that is held
//                  open and sends nothing, as real servers do. GET without a session id gets 400.
//   --get 405      every GET /mcp gets 405 Method Not Allowed.
//   --responses json (default) echo/bytes/tools/list answer with application/json;
//   --responses sse  they answer with a one-event text/event-stream instead.
//   `progress` always answers with text/event-stream.
//   --auth         every /mcp request needs `Authorization: Bearer <token>` with a token this
//                  upstream issued (or the --valid-token one); otherwise 401 with
//                  WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/oauth-protected-resource/mcp".
//                  Serves that protected resource metadata, authorization server metadata at
//                  /.well-known/oauth-authorization-server (issuer = <base>) and POST /token,
//                  which answers grant_type=refresh_token (any non-empty refresh token) with a new
//                  random access token (accepted from then on) and a new refresh token.
//                  Other grants get 400 invalid_grant; /authorize is not implemented (404).
//   --valid-token T  an access token the upstream accepts from the start (repeatable).
//   --dpop         (with --auth) DPoP-bound tokens only (RFC 9449): every /mcp request needs
//                  `Authorization: DPoP <token>` (Bearer is refused with 401) and one `DPoP` header
//                  holding a well-formed proof: a compact JWT whose header has typ dpop+jwt,
//                  alg ES256 and a public P-256 jwk, whose claims have htm = the HTTP method,
//                  htu = <base>/mcp, iat within 60 s, a jti not seen since the last reset and
//                  ath = base64url(SHA-256(token)), and whose signature is 64 bytes. The signature
//                  itself is verified only for the first proof of each key and then for every
//                  --dpop-verify-every'th proof (default 100; 1 = all), so the upstream's CPU
//                  per request stays close to the Bearer upstream's. Failures get 401 with
//                  WWW-Authenticate: DPoP algs="ES256", error="invalid_dpop_proof", ....
//                  Metadata advertise ES256 (dpop_signing_alg_values_supported) and the PRM
//                  dpop_bound_access_tokens_required; /token answers token_type DPoP when the
//                  token request carries a DPoP header (not checked).
//
// Bench endpoints (not counted): GET /_bench/count, POST /_bench/reset.

import http from 'node:http';
import { randomUUID, randomBytes, createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const SUPPORTED_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const LATEST = '2025-11-25';

// Deterministic, position-dependent ASCII payload: 16-byte records "<15 hex digits of offset>|",
// cut at n bytes. Any dropped, duplicated, shifted or swapped chunk changes the content.
const payloadCache = new Map();
export function payload(n) {
  let s = payloadCache.get(n);
  if (s !== undefined) return s;
  const records = Math.ceil(n / 16);
  const parts = new Array(records);
  for (let i = 0; i < records; i++) parts[i] = (i * 16).toString(16).padStart(15, '0') + '|';
  s = parts.join('').slice(0, n);
  if (payloadCache.size > 8) payloadCache.clear();
  payloadCache.set(n, s);
  return s;
}

const TOOLS = [
  {
    name: 'echo',
    description: 'Returns its text argument.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  {
    name: 'bytes',
    description: 'Returns a text content of exactly n bytes (ASCII).',
    inputSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } }, required: ['n'] },
  },
  {
    name: 'progress',
    description: 'Streams `count` notifications/progress events, then the result.',
    inputSchema: { type: 'object', properties: { count: { type: 'integer', minimum: 0 } }, required: ['count'] },
  },
  {
    name: 'flood',
    description: 'Sends `count` ping requests to the client on the response stream, then the result once every one was answered (or after 60 s): "answered N of COUNT".',
    inputSchema: { type: 'object', properties: { count: { type: 'integer', minimum: 0 } }, required: ['count'] },
  },
];

export function startUpstream({ get = 'sse', responses = 'json', port = 0, auth = false, validTokens = [], dpop = false, dpopVerifyEvery = 100 } = {}) {
  const sessions = new Map(); // id -> { streams: Set<res> }
  const accessTokens = new Set(validTokens); // --auth: tokens /mcp accepts
  let base = null; // http://127.0.0.1:PORT, once listening
  const dpopJtis = new Set(); // --dpop: jtis seen since the last reset
  let stats;
  const resetStats = () => {
    stats = {
      total: 0,
      byKey: {},
      firstKeys: [], // keys of the first 100 requests since reset, in arrival order
      beforeFirstToolsCall: null, // requests received before the first tools/call
      firstToolsCallKeys: null,
      toolSessions: new Set(),
      deletedSessions: new Set(),
      connections: 0, // TCP connections accepted since reset
      unauthorized: 0, // --auth: 401s sent for /mcp
      refreshes: 0, // --auth: successful refresh_token grants at /token
      dpopHeaders: 0, // /mcp requests that carried a DPoP header (any mode)
      dpopProofs: 0, // --dpop: /mcp requests accepted with a DPoP token and a well-formed proof
      dpopVerified: 0, // --dpop: of those, proofs whose signature was verified (and held)
      dpopRejected: 0, // --dpop: 401s for a missing, malformed or mismatched proof, or a Bearer token
      dpopProblem: null, // --dpop: why the last one was rejected
    };
    dpopJtis.clear();
  };
  resetStats();

  const count = (key) => {
    stats.total++;
    stats.byKey[key] = (stats.byKey[key] || 0) + 1;
    if (stats.firstKeys.length < 100) stats.firstKeys.push(key);
  };

  const sendJson = (res, status, obj, headers = {}) => {
    const body = JSON.stringify(obj);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };
  const sendText = (res, status, text) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const rpcError = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });

  const toolResult = (msg) => {
    const p = msg.params || {};
    const args = p.arguments || {};
    switch (p.name) {
      case 'echo':
        return { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: String(args.text ?? '') }] } };
      case 'bytes': {
        const n = Math.max(0, Math.min(Number(args.n) | 0, 256 * 1024 * 1024));
        return { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: payload(n) }] } };
      }
      default:
        return { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: `unknown tool ${p.name}` }], isError: true } };
    }
  };

  const answer = (msg, sessionId) => {
    switch (msg.method) {
      case 'ping':
        return { jsonrpc: '2.0', id: msg.id, result: {} };
      case 'tools/list':
        return { jsonrpc: '2.0', id: msg.id, result: { tools: TOOLS } };
      case 'tools/call':
        return toolResult(msg, sessionId);
      default:
        return rpcError(msg.id, -32601, `Method not found: ${msg.method}`);
    }
  };

  const streamProgress = (res, msg) => {
    const args = msg.params?.arguments || {};
    const total = Math.max(0, Math.min(Number(args.count) | 0, 1_000_000));
    const token = msg.params?._meta?.progressToken;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (token !== undefined) {
      for (let i = 1; i <= total; i++) {
        const note = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: i, total } };
        res.write(`event: message\ndata: ${JSON.stringify(note)}\n\n`);
      }
    }
    const result = { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: `done ${total}` }] } };
    res.end(`event: message\ndata: ${JSON.stringify(result)}\n\n`);
  };

  // `flood`: ping requests to the client, the result when all are answered.
  // Answers come back as POSTed JSON-RPC responses (counted in handlePost).
  const floods = new Map(); // `flood-<n>-` prefix -> { left, done }
  let floodSeq = 0;
  const streamFlood = async (res, msg) => {
    const total = Math.max(0, Math.min(Number(msg.params?.arguments?.count) | 0, 1_000_000));
    const prefix = `flood-${++floodSeq}-`;
    let done;
    const answered = new Promise((resolve) => { done = resolve; });
    const state = { left: total, done };
    floods.set(prefix, state);
    if (total === 0) done();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let buf = '';
    for (let i = 1; i <= total; i++) {
      buf += `event: message\ndata: {"jsonrpc":"2.0","id":"${prefix}${i}","method":"ping"}\n\n`;
      if (i % 500 === 0 || i === total) {
        if (!res.write(buf)) await new Promise((r) => res.once('drain', r));
        buf = '';
      }
    }
    await Promise.race([answered, new Promise((r) => setTimeout(r, 60_000))]);
    floods.delete(prefix);
    const text = `answered ${total - state.left} of ${total}`;
    const result = { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }] } };
    res.end(`event: message\ndata: ${JSON.stringify(result)}\n\n`);
  };
  const noteFloodAnswer = (m) => {
    if (typeof m?.id !== 'string' || !('result' in m || 'error' in m)) return;
    const prefix = m.id.slice(0, m.id.lastIndexOf('-') + 1);
    const f = floods.get(prefix);
    if (f && f.left > 0 && --f.left === 0) f.done();
  };

  const handlePost = (req, res, body) => {
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      count('POST (invalid JSON)');
      return sendJson(res, 400, rpcError(null, -32700, 'Parse error'));
    }
    const batch = Array.isArray(parsed);
    const msgs = batch ? parsed : [parsed];
    const key = 'POST ' + msgs.map((m) => m?.method ?? (m && ('result' in m || 'error' in m) ? '(response)' : '(invalid)')).join(',');
    count(key);

    msgs.forEach(noteFloodAnswer);
    const sid = req.headers['mcp-session-id'];
    const isInit = msgs.some((m) => m?.method === 'initialize');
    if (isInit) {
      const m = msgs.find((x) => x?.method === 'initialize');
      const asked = m.params?.protocolVersion;
      const protocolVersion = SUPPORTED_VERSIONS.includes(asked) ? asked : LATEST;
      const id = randomUUID();
      sessions.set(id, { streams: new Set() });
      return sendJson(
        res,
        200,
        {
          jsonrpc: '2.0',
          id: m.id,
          result: {
            protocolVersion,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: 'mcp-tether-bench-upstream', version: '1.0.0' },
          },
        },
        { 'mcp-session-id': id },
      );
    }
    if (!sid) return sendJson(res, 400, rpcError(null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
    if (!sessions.has(sid)) return sendJson(res, 404, rpcError(null, -32001, 'Session not found'));

    const requests = msgs.filter((m) => m && typeof m.method === 'string' && m.id !== undefined && m.id !== null);
    for (const m of requests) {
      if (m.method === 'tools/call') {
        if (stats.beforeFirstToolsCall === null) {
          stats.beforeFirstToolsCall = stats.total - 1;
          stats.firstToolsCallKeys = stats.firstKeys.slice(0, stats.total - 1);
        }
        stats.toolSessions.add(sid);
      }
    }
    if (requests.length === 0) {
      res.writeHead(202, { 'content-length': 0 });
      return res.end();
    }
    if (!batch && requests[0].method === 'tools/call' && requests[0].params?.name === 'progress') {
      return streamProgress(res, requests[0]);
    }
    if (!batch && requests[0].method === 'tools/call' && requests[0].params?.name === 'flood') {
      return void streamFlood(res, requests[0]);
    }
    const out = requests.map((m) => answer(m, sid));
    const payloadOut = batch ? out : out[0];
    if (responses === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return res.end(out.map((o) => `event: message\ndata: ${JSON.stringify(o)}\n\n`).join(''));
    }
    return sendJson(res, 200, payloadOut);
  };

  // ---- --auth mode
  const prmPath = '/.well-known/oauth-protected-resource/mcp';
  const authorized = (req) => {
    const h = req.headers.authorization || '';
    if (dpop) {
      const m = /^DPoP\s+(\S+)\s*$/i.exec(h);
      const problem = !m ? (h ? 'the token must be sent with the DPoP scheme' : 'no token') : !accessTokens.has(m[1]) ? 'unknown token' : dpopProblem(req, m[1]);
      if (problem) {
        stats.dpopRejected++;
        stats.dpopProblem = problem;
        return false;
      }
      stats.dpopProofs++;
      return true;
    }
    const m = /^Bearer\s+(.+)$/i.exec(h);
    return !!m && accessTokens.has(m[1].trim());
  };

  // --dpop: the proof's structure and claims, checked on every request; its signature only for
  // the first proof of a key and then every dpopVerifyEvery'th (see the top of the file).
  // mcp-tether encodes the same proof header for every request with one key, so the header is
  // parsed once per key (the cache below) and the claims per request.
  const TOKEN_PROBLEMS = ['no token', 'unknown token', 'the token must be sent with the DPoP scheme'];
  const B64URL = /^[A-Za-z0-9_-]+$/;
  const keyCache = new Map(); // header part (base64url) -> { key: KeyObject, verified: n }
  const athCache = new Map(); // token -> base64url(SHA-256(token))
  let sinceVerify = 0;
  const dpopProblem = (req, token) => {
    const proof = req.headers.dpop;
    if (typeof proof !== 'string' || proof.includes(',')) return 'one DPoP header is required';
    const parts = proof.split('.');
    if (parts.length !== 3 || !parts.every((x) => B64URL.test(x))) return 'the proof is not a compact JWS';
    let k = keyCache.get(parts[0]);
    if (!k) {
      let header;
      try {
        header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      } catch {
        return 'the proof header is not JSON';
      }
      if (header.typ !== 'dpop+jwt') return 'typ must be dpop+jwt';
      if (header.alg !== 'ES256') return 'alg must be ES256';
      const j = header.jwk;
      if (!j || j.kty !== 'EC' || j.crv !== 'P-256' || typeof j.x !== 'string' || typeof j.y !== 'string' || 'd' in j) return 'a public P-256 jwk is required';
      try {
        k = { key: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: j.x, y: j.y }, format: 'jwk' }), verified: 0 };
      } catch (e) {
        return `the jwk is not a P-256 key: ${e.message}`;
      }
      if (keyCache.size > 64) keyCache.clear();
      keyCache.set(parts[0], k);
    }
    let claims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return 'the proof claims are not JSON';
    }
    if (claims.htm !== req.method) return `htm ${claims.htm} is not ${req.method}`;
    if (claims.htu !== `${base}/mcp`) return `htu ${claims.htu} is not ${base}/mcp`;
    if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 60) return 'iat out of range';
    if (typeof claims.jti !== 'string' || !claims.jti || dpopJtis.has(claims.jti)) return 'jti missing or replayed';
    let ath = athCache.get(token);
    if (!ath) {
      ath = createHash('sha256').update(token).digest('base64url');
      athCache.set(token, ath);
    }
    if (claims.ath !== ath) return 'ath does not match the token';
    const sig = Buffer.from(parts[2], 'base64url');
    if (sig.length !== 64) return 'the ES256 signature must be 64 bytes (r||s)';
    if (k.verified === 0 || ++sinceVerify >= dpopVerifyEvery) {
      sinceVerify = 0;
      const ok = verifySignature('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: k.key, dsaEncoding: 'ieee-p1363' }, sig);
      if (!ok) return 'the signature does not verify';
      k.verified++;
      stats.dpopVerified++;
    }
    dpopJtis.add(claims.jti);
    return null;
  };
  // Reads the body (for the count key), counts the request as a 401 and answers 401.
  const reject401 = (req, res) => {
    const finish = (rpcMethod) => {
      count(`401 ${req.method}${rpcMethod ? ' ' + rpcMethod : ''}`);
      stats.unauthorized++;
      if (dpop) {
        const problem = stats.dpopProblem || 'DPoP-bound token required';
        const error = TOKEN_PROBLEMS.includes(problem) ? 'invalid_token' : 'invalid_dpop_proof';
        return sendJson(res, 401, { error, error_description: problem }, {
          'www-authenticate': `DPoP algs="ES256", error="${error}", resource_metadata="${base}${prmPath}"`,
        });
      }
      sendJson(res, 401, { error: 'invalid_token', error_description: 'missing or unknown bearer token' }, {
        'www-authenticate': `Bearer resource_metadata="${base}${prmPath}"`,
      });
    };
    if (req.method !== 'POST') {
      req.resume();
      return finish(null);
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let method = null;
      try {
        const j = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        method = (Array.isArray(j) ? j : [j]).map((m) => m?.method ?? '(response)').join(',');
      } catch {}
      finish(method);
    });
  };
  const newToken = (prefix) => prefix + randomBytes(24).toString('base64url');
  const handleAuthPath = (req, res, path) => {
    if (req.method === 'GET' && (path === prmPath || path === '/.well-known/oauth-protected-resource')) {
      count(`GET ${path}`);
      req.resume();
      return sendJson(res, 200, {
        resource: `${base}/mcp`,
        authorization_servers: [base],
        scopes_supported: ['mcp'],
        ...(dpop ? { dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: true } : {}),
      });
    }
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') {
      count(`GET ${path}`);
      req.resume();
      return sendJson(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['mcp'],
        ...(dpop ? { dpop_signing_alg_values_supported: ['ES256'] } : {}),
      });
    }
    if (req.method === 'POST' && path === '/token') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const grant = form.get('grant_type');
        count(`POST /token (${grant})`);
        if (grant !== 'refresh_token' || !form.get('refresh_token')) {
          return sendJson(res, 400, { error: grant === 'refresh_token' ? 'invalid_request' : 'invalid_grant' }, { 'cache-control': 'no-store' });
        }
        const access = newToken('at-');
        accessTokens.add(access);
        stats.refreshes++;
        return sendJson(
          res,
          200,
          { access_token: access, token_type: dpop && req.headers.dpop ? 'DPoP' : 'Bearer', expires_in: 3600, refresh_token: newToken('rt-'), scope: 'mcp' },
          { 'cache-control': 'no-store' },
        );
      });
      return true;
    }
    return false;
  };

  const server = http.createServer((req, res) => {
    const url = req.url || '/';
    if (url.startsWith('/_bench/')) {
      if (req.method === 'GET' && url === '/_bench/count') {
        return sendJson(res, 200, {
          total: stats.total,
          byKey: stats.byKey,
          firstKeys: stats.firstKeys,
          beforeFirstToolsCall: stats.beforeFirstToolsCall,
          firstToolsCallKeys: stats.firstToolsCallKeys,
          toolSessions: [...stats.toolSessions],
          deletedSessions: [...stats.deletedSessions],
          openSessions: sessions.size,
          connections: stats.connections,
          unauthorized: stats.unauthorized,
          refreshes: stats.refreshes,
          dpopHeaders: stats.dpopHeaders,
          dpopProofs: stats.dpopProofs,
          dpopVerified: stats.dpopVerified,
          dpopRejected: stats.dpopRejected,
          dpopProblem: stats.dpopProblem,
        });
      }
      if (req.method === 'POST' && url === '/_bench/reset') {
        req.resume();
        resetStats();
        return sendJson(res, 200, { ok: true });
      }
      return sendText(res, 404, 'not found');
    }
    const path = url.split('?')[0];
    if (auth && path !== '/mcp') {
      const handled = handleAuthPath(req, res, path);
      if (handled !== false) return;
    }
    if (path !== '/mcp') {
      count(`${req.method} ${path}`);
      req.resume();
      return sendText(res, 404, 'not found');
    }
    if (req.headers.dpop !== undefined) stats.dpopHeaders++;
    if (auth && !authorized(req)) return reject401(req, res);
    if (req.method === 'POST') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => handlePost(req, res, Buffer.concat(chunks).toString('utf8')));
      return;
    }
    count(req.method);
    req.resume();
    const sid = req.headers['mcp-session-id'];
    if (req.method === 'GET') {
      if (get === '405') {
        res.writeHead(405, { allow: 'POST, DELETE', 'content-length': 0 });
        return res.end();
      }
      if (!sid) return sendJson(res, 400, rpcError(null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
      const s = sessions.get(sid);
      if (!s) return sendJson(res, 404, rpcError(null, -32001, 'Session not found'));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      s.streams.add(res);
      res.on('close', () => s.streams.delete(res));
      return;
    }
    if (req.method === 'DELETE') {
      const s = sid && sessions.get(sid);
      if (!s) return sendJson(res, 404, rpcError(null, -32001, 'Session not found'));
      for (const st of s.streams) st.end();
      sessions.delete(sid);
      stats.deletedSessions.add(sid);
      res.writeHead(200, { 'content-length': 0 });
      return res.end();
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-length': 0 });
    res.end();
  });
  server.on('connection', () => stats.connections++);
  // Held-open event streams must not be timed out by the server.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 120_000;
  server.maxRequestsPerSocket = 0;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      base = `http://127.0.0.1:${p}`;
      resolve({
        server,
        port: p,
        url: `http://127.0.0.1:${p}/mcp`,
        close: () =>
          new Promise((r) => {
            for (const s of sessions.values()) for (const st of s.streams) st.destroy();
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

function parseArgs(argv) {
  const opts = { validTokens: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--get') opts.get = argv[++i];
    else if (a === '--responses') opts.responses = argv[++i];
    else if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--auth') opts.auth = true;
    else if (a === '--valid-token') opts.validTokens.push(argv[++i]);
    else if (a === '--dpop') opts.dpop = true;
    else if (a === '--dpop-verify-every') opts.dpopVerifyEvery = Math.max(1, Number(argv[++i]) | 0);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node upstream.mjs [--get sse|405] [--responses json|sse] [--port N] [--auth [--valid-token T]... [--dpop [--dpop-verify-every N]]]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  if (opts.get && !['sse', '405'].includes(opts.get)) throw new Error('--get must be sse or 405');
  if (opts.responses && !['json', 'sse'].includes(opts.responses)) throw new Error('--responses must be json or sse');
  if (opts.dpop && !opts.auth) throw new Error('--dpop needs --auth');
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const up = await startUpstream(parseArgs(process.argv.slice(2)));
  process.stdout.write(JSON.stringify({ port: up.port, url: up.url }) + '\n');
  const stop = () => up.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
