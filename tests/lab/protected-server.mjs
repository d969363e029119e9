// An OAuth-protected MCP resource server for the mcp-tether lab: the
// sdk-server's tools and session routing (sdk-tools.mjs, official SDK) behind
// Bearer JWT validation (jose, against the AS's JWKS) and RFC 9728 protected
// resource metadata.
//
//   node protected-server.mjs --issuer URL [--port N] [--scopes "mcp:read"]
//        [--prm default|root|custom|none] [--no-resource-metadata-in-challenge]
//        [--challenge-scope] [--prm-resource URL] [--prm-as URL]
//        [--prm-scopes "..."] [--json-response] [--legacy-sse] [--accept-id-token]
//
// Announces {"port":N,"url":"http://127.0.0.1:N/mcp"}. See README.md.
// --legacy-sse serves the 2024-11-05 HTTP+SSE transport instead, behind the
// same checks: GET /sse (the stream; POST /sse answers 405 once authorized),
// POST /messages?sessionId=…; the resource is then http://127.0.0.1:N/sse.
// POST /_lab/revoke-tokens makes every access token seen so far invalid.
// --accept-id-token plays a server that checks who the caller is (Cognito in
// front of Bedrock AgentCore): it wants an OIDC ID token from the issuer (any
// audience, no scope checks) and refuses access tokens (typ at+jwt).
// --dpop takes DPoP-bound tokens only (RFC 9449): `Authorization: DPoP`, a
// proof per request checked in full (signature, typ, htm, htu, iat, ath, a
// jti never seen before, the key's thumbprint = the token's cnf.jkt), and
// says so in its resource metadata and challenges. --dpop-nonce also
// demands its own nonce in each proof (§9). A Bearer token is refused.

import crypto from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import * as jose from 'jose';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { buildServer, createMcpEndpoint, text } from './sdk-tools.mjs';
import {
  parseArgs,
  die,
  log,
  RequestLog,
  readBody,
  tryParseJson,
  sendJson,
  handleLabControl,
  listenAndAnnounce,
} from './lab-common.mjs';

const NAME = 'protected-server';
const VALUED = ['issuer', 'scopes', 'prm', 'prm-resource', 'prm-as', 'prm-scopes'];
const BOOLEAN = [
  'no-resource-metadata-in-challenge',
  'challenge-scope',
  'json-response',
  'legacy-sse',
  'accept-id-token',
  'dpop',
  'dpop-nonce',
];
const args = parseArgs(process.argv.slice(2), VALUED);
for (const f of args.flags) if (!BOOLEAN.includes(f)) die(`unknown flag --${f}`);
const issuer = args.values.issuer ?? die('--issuer URL is required');
const requiredScopes = (args.values.scopes ?? 'mcp:read').split(' ').filter(Boolean);
const prmMode = args.values.prm ?? 'default';
if (!['default', 'root', 'custom', 'none'].includes(prmMode)) die('--prm must be default|root|custom|none');
const ADMIN_SCOPE = 'mcp:admin';
const legacySse = args.flags.has('legacy-sse');
const resourcePath = legacySse ? '/sse' : '/mcp';
/** Access tokens seen, and the ones /_lab/revoke-tokens revoked. */
const seenTokens = new Set();
const revokedTokens = new Set();

let resourceUrl; // http://127.0.0.1:PORT/mcp, set once listening
let origin;
const PRM_PATHS = {
  default: `/.well-known/oauth-protected-resource${resourcePath}`,
  root: '/.well-known/oauth-protected-resource',
  custom: '/custom/prm.json',
  none: null,
};
const prmPath = PRM_PATHS[prmMode];

function prmDocument() {
  const doc = {
    resource: args.values['prm-resource'] ?? resourceUrl,
    authorization_servers: [args.values['prm-as'] ?? issuer],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-tether lab protected MCP server',
  };
  if (dpopRequired) {
    doc.dpop_signing_alg_values_supported = ['ES256'];
    doc.dpop_bound_access_tokens_required = true;
  }
  const scopes = args.values['prm-scopes'] ?? requiredScopes.join(' ');
  if (scopes) doc.scopes_supported = scopes.split(' ').filter(Boolean);
  return doc;
}

// ------------------------------------------------------------ AS metadata
let asMetadata;
let jwks;

/** Find the AS metadata the way a client would (RFC 8414, then OIDC). */
async function discoverAs() {
  if (asMetadata) return asMetadata;
  const u = new URL(issuer);
  const p = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const candidates = [
    `${u.origin}/.well-known/oauth-authorization-server${p}`,
    `${u.origin}/.well-known/openid-configuration${p}`,
    `${u.origin}${p}/.well-known/openid-configuration`,
  ];
  for (const c of candidates) {
    try {
      const res = await fetch(c, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) continue;
      const md = await res.json();
      if (md.issuer !== issuer || !md.jwks_uri) continue;
      asMetadata = md;
      // A key id not seen yet (the AS restarted with new keys) makes it
      // fetch the keys again, at most once a second.
      jwks = jose.createRemoteJWKSet(new URL(md.jwks_uri), { cooldownDuration: 1000 });
      log(NAME, `AS metadata from ${c}`);
      return md;
    } catch {
      /* try the next one */
    }
  }
  throw new Error(`no authorization server metadata for ${issuer}`);
}

// ------------------------------------------------------------ challenges
function challenge(params) {
  const parts = [];
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.description) parts.push(`error_description="${params.description.replace(/"/g, "'")}"`);
  if (params.scope) parts.push(`scope="${params.scope}"`);
  if (prmPath && !args.flags.has('no-resource-metadata-in-challenge')) {
    parts.push(`resource_metadata="${origin}${prmPath}"`);
  }
  if (dpopRequired) return `DPoP algs="ES256"${parts.length ? `, ${parts.join(', ')}` : ''}`;
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

// ------------------------------------------------------------ DPoP (--dpop)
const dpopRequired = args.flags.has('dpop') || args.flags.has('dpop-nonce');
const dpopNonce = `lab-rs-nonce-${Math.random().toString(36).slice(2)}`;
const dpopJtis = new Set();
const dpopStats = { proofs: 0, nonceChallenges: 0 };

/** Check a request's DPoP proof against the token; null when it is good. */
async function dpopProblem(req, token, payload) {
  const proof = req.headers.dpop;
  if (!proof || Array.isArray(proof) || proof.includes(',')) return 'one DPoP proof header is required';
  let header;
  let claims;
  try {
    header = jose.decodeProtectedHeader(proof);
    if (header.typ !== 'dpop+jwt') return 'typ must be dpop+jwt';
    if (!header.jwk || header.jwk.d !== undefined) return 'a public jwk is required';
    const key = await jose.importJWK(header.jwk, header.alg);
    ({ payload: claims } = await jose.jwtVerify(proof, key, { algorithms: ['ES256'], typ: 'dpop+jwt' }));
  } catch (e) {
    return `bad proof: ${e.message}`;
  }
  if (claims.htm !== req.method) return `htm ${claims.htm} is not ${req.method}`;
  const here = new URL(req.url, origin);
  if (claims.htu !== `${here.origin}${here.pathname}`) return `htu ${claims.htu} is not ${here.origin}${here.pathname}`;
  if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 60) return 'iat out of range';
  if (typeof claims.jti !== 'string' || dpopJtis.has(claims.jti)) return 'jti missing or replayed';
  dpopJtis.add(claims.jti);
  const ath = crypto.createHash('sha256').update(token).digest('base64url');
  if (claims.ath !== ath) return 'ath does not match the token';
  const jkt = await jose.calculateJwkThumbprint(header.jwk, 'sha256');
  if (payload.cnf?.jkt !== jkt) return 'the token is not bound to the proof key (cnf.jkt)';
  if (args.flags.has('dpop-nonce') && claims.nonce !== dpopNonce) return 'use_dpop_nonce';
  dpopStats.proofs++;
  return null;
}

function reject(res, status, params) {
  const body = { error: params.error ?? 'unauthorized' };
  if (params.description) body.error_description = params.description;
  sendJson(res, status, body, { 'www-authenticate': challenge(params) });
  return false;
}

const challengeScope = () => (args.flags.has('challenge-scope') ? requiredScopes.join(' ') : undefined);

/** --accept-id-token: an ID token from the issuer, never an access token. */
async function acceptIdToken(req, res, token) {
  let verified;
  try {
    await discoverAs();
    verified = await jose.jwtVerify(token, jwks, { issuer, algorithms: ['RS256', 'PS256', 'ES256'] });
  } catch (e) {
    return reject(res, 401, { error: 'invalid_token', description: e.message });
  }
  if (verified.protectedHeader.typ === 'at+jwt' || !verified.payload.sub) {
    return reject(res, 401, { error: 'invalid_token', description: 'this server wants an ID token, not an access token' });
  }
  const c = verified.payload;
  req.auth = { token, clientId: Array.isArray(c.aud) ? c.aud[0] : c.aud, scopes: [], expiresAt: c.exp, extra: { claims: c } };
  return true;
}

/** Does this JSON-RPC body (or batch) call the admin tool? */
function callsAdmin(body) {
  const msgs = Array.isArray(body) ? body : [body];
  return msgs.some((m) => m && m.method === 'tools/call' && m.params?.name === 'admin');
}

/** authorize hook for createMcpEndpoint: 401/403 or attach req.auth. */
async function authorize(req, res, parsedBody) {
  const header = req.headers.authorization ?? '';
  const m = (dpopRequired ? /^DPoP\s+(\S+)\s*$/i : /^Bearer\s+(\S+)\s*$/i).exec(header);
  if (!m) {
    // RFC 6750 3.1: no error code when the request had no credentials.
    return reject(res, 401, {
      scope: challengeScope(),
      error: header ? 'invalid_request' : undefined,
      description: header ? 'malformed Authorization header' : undefined,
    });
  }
  if (revokedTokens.has(m[1])) {
    return reject(res, 401, { error: 'invalid_token', description: 'the token was revoked', scope: challengeScope() });
  }
  seenTokens.add(m[1]);
  if (args.flags.has('accept-id-token')) return acceptIdToken(req, res, m[1]);
  let payload;
  try {
    await discoverAs();
    ({ payload } = await jose.jwtVerify(m[1], jwks, {
      issuer,
      audience: resourceUrl,
      typ: 'at+jwt',
      algorithms: ['RS256', 'PS256', 'ES256'],
    }));
  } catch (e) {
    log(NAME, `token rejected: ${e.code ?? ''} ${e.message}`);
    return reject(res, 401, { error: 'invalid_token', description: e.message, scope: challengeScope() });
  }
  if (dpopRequired) {
    const problem = await dpopProblem(req, m[1], payload);
    if (problem === 'use_dpop_nonce') {
      dpopStats.nonceChallenges++;
      res.setHeader('DPoP-Nonce', dpopNonce);
      return reject(res, 401, { error: 'use_dpop_nonce', description: 'a nonce is required' });
    }
    if (problem) {
      log(NAME, `DPoP proof rejected: ${problem}`);
      return reject(res, 401, { error: 'invalid_dpop_proof', description: problem });
    }
  }
  const granted = new Set(String(payload.scope ?? '').split(' ').filter(Boolean));
  const missing = requiredScopes.filter((s) => !granted.has(s));
  if (missing.length) {
    return reject(res, 403, {
      error: 'insufficient_scope',
      description: `missing scope ${missing.join(' ')}`,
      scope: requiredScopes.join(' '),
    });
  }
  if (req.method === 'POST' && callsAdmin(parsedBody) && !granted.has(ADMIN_SCOPE)) {
    const needed = [...new Set([...requiredScopes, ADMIN_SCOPE])].join(' ');
    return reject(res, 403, { error: 'insufficient_scope', description: `tool admin needs ${ADMIN_SCOPE}`, scope: needed });
  }
  // The SDK transport hands req.auth to tool handlers as extra.authInfo.
  req.auth = {
    token: m[1],
    clientId: payload.client_id,
    scopes: [...granted],
    expiresAt: payload.exp,
    resource: new URL(resourceUrl),
    extra: { claims: payload },
  };
  return true;
}

function extend(server) {
  server.registerTool(
    'whoami',
    { description: "Returns the access token's sub, scope, aud, client_id (JSON).", inputSchema: {} },
    async (_args, extra) => {
      const c = extra.authInfo?.extra?.claims ?? {};
      return text(JSON.stringify({ sub: c.sub, scope: c.scope, aud: c.aud, client_id: c.client_id, iss: c.iss, exp: c.exp, cnf: c.cnf }));
    },
  );
  server.registerTool(
    'admin',
    { description: `Needs scope ${ADMIN_SCOPE} (HTTP 403 insufficient_scope otherwise).`, inputSchema: { text: z.string().optional() } },
    async ({ text: t }) => text(`admin ok${t ? ` ${t}` : ''}`),
  );
}

const requestLog = new RequestLog();
const mcp = createMcpEndpoint({
  name: NAME,
  requestLog,
  jsonResponse: args.flags.has('json-response'),
  authorize,
  serverOptions: { name: 'mcp-tether-lab-protected-server', extend },
});

// ------------------------------------------------------------ legacy HTTP+SSE
/** sessionId -> { transport, server } */
const legacySessions = new Map();

async function handleLegacy(req, res, path) {
  const body = req.method === 'POST' ? tryParseJson(await readBody(req).catch(() => undefined)) : undefined;
  requestLog.add(req, body, res);
  if (!(await authorize(req, res, body))) return;
  if (path === '/sse' && req.method === 'GET') {
    const transport = new SSEServerTransport('/messages', res);
    const server = buildServer({ name: 'mcp-tether-lab-protected-server', extend });
    const id = transport.sessionId;
    legacySessions.set(id, { transport, server });
    transport.onclose = () => legacySessions.delete(id);
    await server.connect(transport); // writes the `endpoint` event
    log(NAME, `legacy session ${id} opened`);
    return;
  }
  if (path === '/sse') {
    sendJson(res, 405, { error: 'this is a legacy HTTP+SSE endpoint, use GET' }, { allow: 'GET' });
    return;
  }
  const s = legacySessions.get(new URL(req.url, 'http://x').searchParams.get('sessionId') ?? '');
  if (!s) {
    sendJson(res, 404, { error: 'unknown session' });
    return;
  }
  await s.transport.handlePostMessage(req, res, body);
}

const labExtras = {
  ...mcp.labExtras,
  'POST /_lab/revoke-tokens': async () => {
    for (const t of seenTokens) revokedTokens.add(t);
    return { ok: true, revoked: seenTokens.size };
  },
  'GET /_lab/dpop': async () => ({ ...dpopStats }),
};

const httpServer = http.createServer(async (req, res) => {
  try {
    if (await handleLabControl(req, res, requestLog, labExtras)) return;
    const path = req.url.split('?')[0];
    if (!legacySse && path === '/mcp') {
      await mcp.handle(req, res);
      return;
    }
    if (legacySse && (path === '/sse' || path === '/messages')) {
      await handleLegacy(req, res, path);
      return;
    }
    requestLog.add(req, tryParseJson(await readBody(req).catch(() => undefined)), res);
    if (prmPath && path === prmPath && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, prmDocument(), { 'access-control-allow-origin': '*' });
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  } catch (e) {
    log(NAME, `error handling ${req.method} ${req.url}: ${e.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: String(e.message ?? e) });
    else res.end();
  }
});

listenAndAnnounce(httpServer, {
  name: NAME,
  port: args.port,
  urlPath: resourcePath,
  onShutdown: mcp.closeAllSessions,
  announce: (port) => {
    origin = `http://127.0.0.1:${port}`;
    resourceUrl = `${origin}${resourcePath}`;
    log(NAME, `issuer ${issuer}, scopes "${requiredScopes.join(' ')}", prm=${prmMode}`);
    return { port, url: resourceUrl };
  },
});
