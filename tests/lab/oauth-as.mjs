// A real OAuth 2.1 / OIDC authorization server for the mcp-tether lab:
// npm `oidc-provider` (pinned) behind a plain node:http server that adds the
// lab's request log, optional issuer path mounting and the RFC 8414 metadata
// location.
//
//   node oauth-as.mjs [--port N] [--issuer-path /tenant1]
//                     [--discovery oidc|oidc-inserted|rfc8414|both] [--dcr open|iat|off]
//                     [--rotate-refresh] [--refresh-always] [--access-ttl SECONDS]
//                     [--device] [--client-credentials] [--hide-pkce-methods]
//                     [--refuse-resource] [--dpop-nonce] [--jwt-bearer]
//                     [--idp [--id-token-ttl SECONDS] [--jag-client-id ID]]
//                     [--trust-idp ISSUER]
//
// --idp plays the enterprise IdP of SEP-990 (tests/lab/xaa.mjs): clients
// `xaa-app` (public) and `xaa-app-confidential` (secret xaa-app-secret) sign
// people in and exchange their ID token (RFC 8693) for an ID-JAG whose
// client_id is --jag-client-id (default xaa-client). Lab endpoints:
// POST /_lab/idp-revoke-sessions (every ID and refresh token issued so far is
// refused: the person signed out everywhere) and
// POST /_lab/idp-deny?audience=URL (the policy refuses ID-JAGs for it).
// --trust-idp ISSUER plays the MCP server's AS of SEP-990: the jwt-bearer
// grant also takes ID-JAGs from that IdP, from client `xaa-client` (secret
// xaa-client-secret, client_secret_basic).
//
// --jwt-bearer registers the RFC 7523 JWT bearer grant
// (urn:ietf:params:oauth:grant-type:jwt-bearer) for workload identity
// (SEP-1933) through provider.registerGrantType. The assertion must be an
// ES256 JWT signed by the lab's "workload issuer" key (generated at start):
// iss = WORKLOAD_ISSUER, aud = the AS issuer, a sub, exp in the future;
// anything else is invalid_grant. The token is a JWT access token for the lab
// resource (resource indicator required, as for the other grants) with
// sub = the assertion's sub. Clients: the public `workload-client`
// (token_endpoint_auth_method none), allowed only this grant and any scope,
// and `workload-narrow`, the same but allowed only mcp:*. Assertions for
// tests: GET /_lab/workload-assertion?kind=valid|expired|wrong-aud|wrong-iss
// [&sub=S][&ttl=SECONDS] returns {assertion, sub, jti, exp}.
//
// --dpop-nonce makes the token endpoint demand a server nonce in every DPoP
// proof (RFC 9449 §8): the first proof is answered with use_dpop_nonce.
// (DPoP itself is on by default in oidc-provider 9, ES256 among its algs.)
//
// --refuse-resource plays Entra ID v2: any authorization, token or device
// request that carries `resource` is refused with AADSTS9010010. The resource
// tokens are then for comes from POST /_lab/default-resource?url=URL.
//
// Announces {"port":N,"issuer":URL,"initialAccessToken":T|null,
//            "jwtClientKeyPath":PEM,"jwtClientKid":KID,
//            "workloadIssuer":URL|null}   (the last with --jwt-bearer)
// See README.md for the pre-registered clients and the /_lab endpoints.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import querystring from 'node:querystring';
import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';
import {
  TOKEN_EXCHANGE,
  XAA_CLIENT,
  IdpState,
  idpClients,
  idpKeys,
  idJagExchange,
  idJagVerifier,
  trustingAsClients,
} from './xaa.mjs';
import {
  parseArgs,
  die,
  log,
  RequestLog,
  readBody,
  sendJson,
  handleLabControl,
  listenAndAnnounce,
} from './lab-common.mjs';

const NAME = 'oauth-as';
const VALUED = ['issuer-path', 'discovery', 'dcr', 'access-ttl', 'id-token-ttl', 'jag-client-id', 'trust-idp'];
const BOOLEAN = [
  'rotate-refresh',
  'refresh-always',
  'device',
  'client-credentials',
  'hide-pkce-methods',
  'refuse-resource',
  'dpop-nonce',
  'jwt-bearer',
  'idp',
];
const args = parseArgs(process.argv.slice(2), VALUED);
for (const f of args.flags) if (!BOOLEAN.includes(f)) die(`unknown flag --${f}`);

let issuerPath = args.values['issuer-path'] ?? '';
if (issuerPath && !issuerPath.startsWith('/')) issuerPath = `/${issuerPath}`;
issuerPath = issuerPath.replace(/\/+$/, '');
const discoveryMode = args.values.discovery ?? 'both';
if (!['oidc', 'oidc-inserted', 'rfc8414', 'both'].includes(discoveryMode)) {
  die(`--discovery must be oidc|oidc-inserted|rfc8414|both`);
}
const dcrMode = args.values.dcr ?? 'open';
if (!['open', 'iat', 'off'].includes(dcrMode)) die(`--dcr must be open|iat|off`);
const accessTtl = Number(args.values['access-ttl'] ?? 600);
if (!Number.isInteger(accessTtl) || accessTtl <= 0) die('--access-ttl needs a positive integer');
const rotateRefresh = args.flags.has('rotate-refresh');
const refreshAlways = args.flags.has('refresh-always');
const deviceFlow = args.flags.has('device');
const clientCredentials = args.flags.has('client-credentials');
const hidePkceMethods = args.flags.has('hide-pkce-methods');
const refuseResource = args.flags.has('refuse-resource');
const idpMode = args.flags.has('idp');
const idpState = new IdpState();
const idTokenTtl = Number(args.values['id-token-ttl'] ?? 3600);
if (!Number.isInteger(idTokenTtl) || idTokenTtl <= 0) die('--id-token-ttl needs a positive integer');
const jagClientId = args.values['jag-client-id'] ?? XAA_CLIENT;
const trustIdp = args.values['trust-idp'];
const idJags = trustIdp ? idJagVerifier(trustIdp) : null;
// Trusting an IdP's ID-JAGs means taking the jwt-bearer grant.
const jwtBearer = args.flags.has('jwt-bearer') || Boolean(trustIdp);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
// The issuer of the workloads' own JWTs (a Kubernetes API server, a CI
// platform), which this AS trusts for the jwt-bearer grant.
const WORKLOAD_ISSUER = 'https://workload-issuer.lab.test';
const WORKLOAD_CLIENT = 'workload-client';
const WORKLOAD_NARROW_CLIENT = 'workload-narrow';
// Set through POST /_lab/default-resource: the resource of requests without one.
let defaultResourceOverride;
const AADSTS9010010 =
  "AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes.";

const RESOURCE_SCOPES = ['mcp:read', 'mcp:write', 'mcp:admin'];
const OIDC_SCOPES = ['openid', 'offline_access'];
const initialAccessToken = dcrMode === 'iat' ? `iat-${randomBytes(16).toString('hex')}` : null;

/**
 * Resource indicators the AS will issue tokens for: any MCP endpoint on the
 * loopback interface, http://127.0.0.1:PORT/mcp (or localhost; /sse for the
 * legacy HTTP+SSE transport). Tokens for
 * them are JWTs with aud = the resource and the granted resource scopes.
 */
function isLabResource(indicator) {
  let u;
  try {
    u = new URL(indicator);
  } catch {
    return false;
  }
  return (
    u.protocol === 'http:' &&
    (u.hostname === '127.0.0.1' || u.hostname === 'localhost') &&
    u.port !== '' &&
    (u.pathname === '/mcp' || u.pathname === '/sse') &&
    u.search === '' &&
    u.hash === '' &&
    indicator === u.href
  );
}

/** What a lab resource's tokens are: JWTs with aud = the resource. */
function labResourceServerInfo(resourceIndicator) {
  if (!isLabResource(resourceIndicator)) throw new errors.InvalidTarget();
  return {
    scope: RESOURCE_SCOPES.join(' '),
    audience: resourceIndicator,
    accessTokenTTL: accessTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

// Counters, derived from the log (so /_lab/reset-log resets them too).
function counters(entries) {
  const c = {
    authorization: 0,
    token: {},
    registration: 0,
    deviceAuthorization: 0,
    revocation: 0,
    introspection: 0,
    discovery: 0,
    jwks: 0,
  };
  const p = (x) => x.slice(issuerPath.length);
  for (const e of entries) {
    const full = e.path.split('?')[0];
    if (full.startsWith('/.well-known/')) {
      c.discovery++;
      continue;
    }
    if (!full.startsWith(issuerPath)) continue;
    const route = p(full);
    if (route === '/auth' && (e.method === 'GET' || e.method === 'POST')) c.authorization++;
    else if (route === '/token' && e.method === 'POST') {
      const gt = e.body?.grant_type ?? '(none)';
      c.token[gt] = (c.token[gt] ?? 0) + 1;
    } else if (route === '/reg' && e.method === 'POST') c.registration++;
    else if (route === '/device/auth' && e.method === 'POST') c.deviceAuthorization++;
    else if (route === '/token/revocation' && e.method === 'POST') c.revocation++;
    else if (route === '/token/introspection' && e.method === 'POST') c.introspection++;
    else if (route === '/jwks') c.jwks++;
    else if (route.startsWith('/.well-known/')) c.discovery++;
  }
  return c;
}

async function makeKeys() {
  // Signing key of the AS (access tokens, id tokens).
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  // A new key id per start: a provider restarted without its state has new
  // keys, and resource servers find the new one by its id.
  const signing = { ...(await jose.exportJWK(privateKey)), kid: `lab-as-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

  // Key pair for the private_key_jwt client; the private half goes to a file.
  const client = await jose.generateKeyPair('RS256', { extractable: true });
  const clientPublic = { ...(await jose.exportJWK(client.publicKey)), kid: 'tether-jwt-key', alg: 'RS256', use: 'sig' };
  const pem = await jose.exportPKCS8(client.privateKey);
  const keyPath = path.join(os.tmpdir(), `mcp-tether-lab-oauth-as-${process.pid}-tether-jwt.pem`);
  fs.writeFileSync(keyPath, pem, { mode: 0o600 });

  // The workload issuer's key: it signs the assertions of --jwt-bearer.
  const workload = await jose.generateKeyPair('ES256');
  return { signing, clientPublic, keyPath, workload };
}

function clients(clientPublicJwk) {
  const loopback = ['http://127.0.0.1/callback', 'http://localhost/callback'];
  const publicGrants = ['authorization_code', 'refresh_token'];
  if (deviceFlow) publicGrants.push('urn:ietf:params:oauth:grant-type:device_code');
  const confidentialGrants = ['authorization_code', 'refresh_token'];
  if (clientCredentials) confidentialGrants.push('client_credentials');
  const allScopes = [...OIDC_SCOPES, ...RESOURCE_SCOPES].join(' ');
  return [
    {
      client_id: 'tether-public',
      client_name: 'mcp-tether (public, native)',
      application_type: 'native', // loopback redirect URIs match on any port
      token_endpoint_auth_method: 'none',
      grant_types: publicGrants,
      response_types: ['code'],
      redirect_uris: loopback,
    },
    {
      client_id: 'tether-strict',
      client_name: 'mcp-tether (public, exact redirect URI)',
      // "web": oidc-provider compares redirect URIs exactly (no port leniency)
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:47931/callback'],
    },
    {
      client_id: 'tether-mcp-remote',
      client_name: 'an app registered for mcp-remote (exact redirect URI)',
      application_type: 'web', // exact match: host, port and path
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://localhost:3334/oauth/callback'],
    },
    {
      client_id: 'tether-confidential',
      client_name: 'mcp-tether (confidential, client_secret_basic)',
      client_secret: 'tether-secret',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: confidentialGrants,
      response_types: ['code'],
      redirect_uris: loopback,
      scope: allScopes,
    },
    {
      client_id: 'tether-confidential-post',
      client_name: 'mcp-tether (confidential, client_secret_post)',
      client_secret: 'tether-secret',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: confidentialGrants,
      response_types: ['code'],
      redirect_uris: loopback,
      scope: allScopes,
    },
    {
      client_id: 'tether-narrow',
      client_name: 'a confidential client allowed only mcp:read',
      client_secret: 'tether-secret',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: confidentialGrants,
      response_types: ['code'],
      redirect_uris: loopback,
      scope: 'openid offline_access mcp:read',
    },
    {
      client_id: 'tether-jwt',
      client_name: 'mcp-tether (private_key_jwt)',
      application_type: 'native',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [clientPublicJwk] },
      grant_types: clientCredentials ? ['client_credentials'] : ['authorization_code'],
      response_types: clientCredentials ? [] : ['code'],
      redirect_uris: clientCredentials ? [] : loopback,
      scope: allScopes,
    },
    ...(idpMode ? idpClients(loopback) : []),
    ...(trustIdp ? trustingAsClients(JWT_BEARER) : []),
    ...(jwtBearer
      ? [
          {
            client_id: WORKLOAD_CLIENT,
            client_name: 'a workload (RFC 7523 jwt-bearer grant, public)',
            application_type: 'web',
            token_endpoint_auth_method: 'none',
            grant_types: [JWT_BEARER],
            response_types: [],
            redirect_uris: [],
            // No `scope`: like tether-public, any scope the AS knows may be
            // asked for (offline_access is accepted and ignored).
          },
          {
            client_id: WORKLOAD_NARROW_CLIENT,
            client_name: 'a workload allowed only the resource scopes',
            application_type: 'web',
            token_endpoint_auth_method: 'none',
            grant_types: [JWT_BEARER],
            response_types: [],
            redirect_uris: [],
            // What an admin registers for a workload: no OIDC scopes, so
            // asking for offline_access is invalid_scope (as oidc-provider's
            // own grants do for a client with a scope allow-list).
            scope: RESOURCE_SCOPES.join(' '),
          },
        ]
      : []),
  ];
}

/**
 * An assertion from the workload issuer, for tests: `valid`, `expired` (exp
 * a minute ago), `wrong-aud` (aud = another AS), `wrong-iss` (the right
 * claims, signed by a key the AS does not trust). A fresh jti each time.
 */
async function workloadAssertion(kind, sub, ttl) {
  const now = Math.floor(Date.now() / 1000);
  const jti = `wl-${randomBytes(8).toString('hex')}`;
  const exp = kind === 'expired' ? now - 60 : now + ttl;
  let key = keys.workload.privateKey;
  if (kind === 'wrong-iss') key = (await jose.generateKeyPair('ES256')).privateKey;
  const aud = kind === 'wrong-aud' ? 'https://another-as.lab.test' : provider.issuer;
  const assertion = await new jose.SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'workload-issuer' })
    .setIssuer(WORKLOAD_ISSUER)
    .setSubject(sub)
    .setAudience(aud)
    .setJti(jti)
    .setIssuedAt(kind === 'expired' ? now - 120 : now)
    .setExpirationTime(exp)
    .sign(key);
  return { assertion, kind, sub, jti, exp };
}

/**
 * The RFC 7523 §2.1 grant, registered with provider.registerGrantType: the
 * client (already authenticated by oidc-provider, and allowed this grant) presents
 * `assertion`; a JWT access token for the requested lab resource is issued
 * to the assertion's subject. Bearer tokens only (no DPoP binding).
 */
async function jwtBearerGrant(ctx) {
  const { client, params } = ctx.oidc;
  if (!params.assertion) throw new errors.InvalidRequest("missing required parameter 'assertion'");
  let claims;
  if (idJags?.isIdJag(params.assertion)) {
    const wanted = Array.isArray(params.resource) ? params.resource[0] : params.resource;
    try {
      claims = await idJags.verify(params.assertion, {
        asIssuer: provider.issuer,
        clientId: client.clientId,
        resource: wanted ?? defaultResourceOverride,
      });
    } catch (e) {
      throw new errors.InvalidGrant(`the ID-JAG was refused (${e.code ?? 'invalid'}: ${e.message})`);
    }
  } else {
    try {
      ({ payload: claims } = await jose.jwtVerify(params.assertion, keys.workload.publicKey, {
        issuer: WORKLOAD_ISSUER,
        audience: provider.issuer,
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (e) {
      // RFC 7523 §3.1: an assertion that is not valid is invalid_grant.
      throw new errors.InvalidGrant(`the assertion was refused (${e.code ?? 'invalid'}: ${e.message})`);
    }
  }

  let resource = params.resource ?? defaultResourceOverride;
  if (Array.isArray(resource)) {
    if (resource.length !== 1) throw new errors.InvalidTarget('only one resource indicator is supported for this grant type');
    [resource] = resource;
  }
  if (!resource) throw new errors.InvalidTarget('a resource indicator is required for this grant type');
  const resourceServer = new provider.ResourceServer(resource, labResourceServerInfo(resource));

  // As oidc-provider's own grants: a scope it does not know, or one outside
  // the client's `scope` allow-list, is invalid_scope; the token gets the
  // requested scopes the resource has (offline_access and openid drop out:
  // no refresh token, no ID token).
  const requested = (params.scope ?? '').split(' ').filter(Boolean);
  const known = [...RESOURCE_SCOPES, ...OIDC_SCOPES];
  const allowed = new Set(client.scope ? client.scope.split(' ') : known);
  for (const s of requested) {
    if (!known.includes(s) || !allowed.has(s)) throw new errors.InvalidScope('requested scope is not allowed', s);
  }
  const scope = requested.filter((s) => RESOURCE_SCOPES.includes(s)).join(' ') || undefined;

  const token = new provider.AccessToken({
    accountId: claims.sub,
    client,
    gty: JWT_BEARER,
    scope,
  });
  token.resourceServer = resourceServer;
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  log(NAME, `jwt-bearer: issued a token to ${claims.sub} (jti ${claims.jti ?? '-'}) for ${resource}`);
  ctx.body = {
    access_token: value,
    expires_in: token.expiration,
    scope: token.scope || undefined,
    token_type: token.tokenType,
  };
}

async function buildProvider(issuer, keys) {
  const configuration = {
    clients: clients(keys.clientPublic),
    jwks: { keys: [keys.signing] },
    cookies: { keys: ['mcp-tether-lab-cookie-key'] },
    scopes: [...OIDC_SCOPES, ...RESOURCE_SCOPES],
    claims: { openid: ['sub'] },
    // Every authorization code request needs PKCE (S256 is the only method).
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      registration:
        dcrMode === 'off'
          ? { enabled: false }
          : { enabled: true, initialAccessToken: dcrMode === 'iat' ? initialAccessToken : false },
      deviceFlow: { enabled: deviceFlow },
      dPoP: args.flags.has('dpop-nonce')
        ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true }
        : { enabled: true },
      clientCredentials: { enabled: clientCredentials },
      resourceIndicators: {
        enabled: true,
        // No resource parameter -> no default (the client must send one),
        // unless a test set one through /_lab/default-resource.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? defaultResourceOverride,
        // Token requests without `resource` (refresh, code exchange) use
        // the resource that was granted.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => labResourceServerInfo(resourceIndicator),
      },
    },
    ttl: {
      AccessToken: () => accessTtl,
      ClientCredentials: () => accessTtl,
      AuthorizationCode: 120,
      DeviceCode: 600,
      IdToken: idTokenTtl,
      Interaction: 600,
      Session: 3600,
      Grant: 86400,
      RefreshToken: 86400,
    },
    // Refresh tokens: oidc-provider issues them only when the code has
    // offline_access (and the client may use refresh_token). Its checkScope
    // drops offline_access from an authorization request unless prompt
    // includes consent (OIDC Core 11), so the HTTP wrapper below adds
    // prompt=consent to /auth requests that ask for offline_access without a
    // prompt. The consent form then grants it.
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (refreshAlways || code.scopes.has('offline_access')),
    rotateRefreshToken: () => rotateRefresh,
    extraTokenClaims: async () => undefined,
    renderError: async (ctx, out, error) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><h1>oops! something went wrong</h1><pre id="error">${Object.entries(out)
        .map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`)
        .join('\n')}</pre></body></html>`;
      log(NAME, `renderError: ${error?.message ?? error}`);
    },
  };
  const provider = new Provider(issuer, configuration);
  if (jwtBearer) {
    // Parameters beyond grant_type; resource may repeat (RFC 8707), so it is
    // an allowed duplicate (the handler still accepts only one).
    provider.registerGrantType(JWT_BEARER, jwtBearerGrant, ['assertion', 'scope', 'resource'], ['resource']);
  }
  if (idpMode) {
    const exchange = idJagExchange({
      provider,
      errors,
      keys: await idpKeys(keys.signing),
      state: idpState,
      jagClientId,
      log: (m) => log(NAME, m),
    });
    provider.registerGrantType(
      TOKEN_EXCHANGE,
      exchange,
      ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope'],
      ['resource'],
    );
    provider.on('grant.success', (ctx) => idpState.sawGrant(ctx));
  }
  provider.on('server_error', (_ctx, err) => log(NAME, `server_error: ${err.stack ?? err}`));
  provider.on('grant.error', (_ctx, err) =>
    log(NAME, `grant.error: ${err.message} ${err.error_description ?? ''} ${err.error_detail ?? ''}`),
  );
  provider.on('authorization.error', (_ctx, err) =>
    log(NAME, `authorization.error: ${err.message} ${err.error_description ?? ''}`),
  );
  provider.on('registration_create.error', (_ctx, err) =>
    log(NAME, `registration_create.error: ${err.message} ${err.error_description ?? ''}`),
  );
  if (hidePkceMethods) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
        delete ctx.body.code_challenge_methods_supported;
      }
    });
  }
  return provider;
}

const requestLog = new RequestLog();
let provider;
let providerCallback;
let keys;

// Paths of the two metadata documents.
const oidcDiscoveryPath = `${issuerPath}/.well-known/openid-configuration`;
const rfc8414Path = `/.well-known/oauth-authorization-server${issuerPath}`;
// OIDC metadata with the issuer path inserted (the MCP spec's 2nd try).
const oidcInsertedPath = `/.well-known/openid-configuration${issuerPath}`;

function parseLoggedBody(raw, contentType = '') {
  if (!raw || raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return { ...querystring.parse(text) };
  }
  return undefined;
}

/**
 * --refuse-resource: answer a request that carries `resource` the way Entra ID
 * v2 does (AADSTS9010010). Returns true when it answered.
 */
function refusedForResource(req, res, pathname, query) {
  const route = pathname.slice(issuerPath.length);
  if (route === '/auth') {
    const q = new URLSearchParams(query.slice(1));
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(req.body)) q.append(k, v);
    if (!q.has('resource')) return false;
    const redirect = q.get('redirect_uri');
    if (!redirect) {
      sendJson(res, 400, { error: 'invalid_target', error_description: AADSTS9010010 });
      return true;
    }
    const to = new URL(redirect);
    to.searchParams.set('error', 'invalid_target');
    to.searchParams.set('error_description', AADSTS9010010);
    to.searchParams.set('error_uri', 'https://login.microsoftonline.com/error?code=9010010');
    if (q.has('state')) to.searchParams.set('state', q.get('state'));
    to.searchParams.set('iss', provider.issuer); // RFC 9207: error responses carry it too
    res.writeHead(302, { location: to.href });
    res.end();
    return true;
  }
  if ((route === '/token' || route === '/device/auth') && req.method === 'POST') {
    if (!new URLSearchParams(req.body).has('resource')) return false;
    sendJson(res, 400, { error: 'invalid_target', error_description: AADSTS9010010 });
    return true;
  }
  return false;
}

function wantsOfflineWithoutPrompt(q) {
  return (q.get('scope') ?? '').split(' ').includes('offline_access') && !q.has('prompt') && !q.has('request') && !q.has('request_uri');
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (
      await handleLabControl(req, res, requestLog, {
        'GET /_lab/counters': async () => counters(requestLog.entries),
        'GET /_lab/workload-assertion': async (r, res) => {
          if (!jwtBearer) {
            sendJson(res, 404, { error: 'start oauth-as.mjs with --jwt-bearer' });
            return undefined;
          }
          const q = new URL(r.url, 'http://x').searchParams;
          const kind = q.get('kind') ?? 'valid';
          if (!['valid', 'expired', 'wrong-aud', 'wrong-iss'].includes(kind)) {
            sendJson(res, 400, { error: 'kind must be valid|expired|wrong-aud|wrong-iss' });
            return undefined;
          }
          const ttl = Number(q.get('ttl') ?? 600);
          if (!Number.isInteger(ttl) || ttl <= 0) {
            sendJson(res, 400, { error: 'ttl must be a positive integer' });
            return undefined;
          }
          return workloadAssertion(kind, q.get('sub') ?? 'system:serviceaccount:lab:workload', ttl);
        },
        'POST /_lab/idp-revoke-sessions': async () => idpState.revokeAll(),
        'POST /_lab/idp-deny': async (r) => {
          const audience = new URL(r.url, 'http://x').searchParams.get('audience');
          if (audience) idpState.deniedAudiences.add(audience);
          else idpState.deniedAudiences.clear();
          return { denied: [...idpState.deniedAudiences] };
        },
        'POST /_lab/default-resource': async (r) => {
          defaultResourceOverride = new URL(r.url, 'http://x').searchParams.get('url') ?? undefined;
          return { defaultResource: defaultResourceOverride ?? null };
        },
      })
    )
      return;
    const raw = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    requestLog.add(req, parseLoggedBody(raw, req.headers['content-type']), res);
    // oidc-provider reads an already-consumed body from req.body.
    req.body = raw.toString('utf8');

    const original = req.url;
    let pathname = original.split('?')[0];
    let query = original.slice(pathname.length);

    if (pathname === rfc8414Path && (discoveryMode === 'rfc8414' || discoveryMode === 'both')) {
      // Serve the provider's own metadata document at the RFC 8414 location.
      pathname = oidcDiscoveryPath;
    } else if (issuerPath && pathname === oidcInsertedPath && discoveryMode === 'oidc-inserted') {
      pathname = oidcDiscoveryPath;
    } else if (
      pathname === oidcDiscoveryPath &&
      (discoveryMode === 'rfc8414' || (issuerPath && discoveryMode === 'oidc-inserted'))
    ) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }

    if (pathname === `${issuerPath}/auth`) {
      // offline_access without prompt: behave as if prompt=consent was sent.
      if (req.method === 'GET') {
        const q = new URLSearchParams(query.slice(1));
        if (wantsOfflineWithoutPrompt(q)) {
          q.set('prompt', 'consent');
          query = `?${q}`;
        }
      } else if (req.method === 'POST' && (req.headers['content-type'] ?? '').includes('urlencoded')) {
        const q = new URLSearchParams(req.body);
        if (wantsOfflineWithoutPrompt(q)) {
          q.set('prompt', 'consent');
          req.body = q.toString();
        }
      }
    }

    if (refuseResource && refusedForResource(req, res, pathname, query)) return;
    if (
      idpMode &&
      pathname === `${issuerPath}/token` &&
      req.method === 'POST' &&
      idpState.refusesRefresh(new URLSearchParams(req.body))
    ) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'the refresh token was revoked (the session ended)' });
      return;
    }

    if (issuerPath) {
      if (pathname !== issuerPath && !pathname.startsWith(`${issuerPath}/`)) {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      // Mount the provider under the issuer path (as express app.use would).
      req.originalUrl = pathname + query;
      req.url = (pathname.slice(issuerPath.length) || '/') + query;
    } else {
      req.url = pathname + query;
    }
    providerCallback(req, res);
  } catch (e) {
    log(NAME, `error handling ${req.method} ${req.url}: ${e.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: String(e.message ?? e) });
    else res.end();
  }
});

listenAndAnnounce(httpServer, {
  name: NAME,
  port: args.port,
  onShutdown: () => {
    try {
      if (keys) fs.unlinkSync(keys.keyPath);
    } catch {
      /* gone */
    }
  },
  announce: async (port) => {
    const issuer = `http://127.0.0.1:${port}${issuerPath}`;
    keys = await makeKeys();
    provider = await buildProvider(issuer, keys);
    providerCallback = provider.callback();
    log(NAME, `issuer ${issuer}, discovery=${discoveryMode}, dcr=${dcrMode}, access-ttl=${accessTtl}s`);
    return {
      port,
      issuer,
      initialAccessToken,
      jwtClientKeyPath: keys.keyPath,
      jwtClientKid: keys.clientPublic.kid,
      workloadIssuer: jwtBearer ? WORKLOAD_ISSUER : null,
    };
  },
});
