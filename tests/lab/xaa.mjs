// Enterprise-managed authorization (MCP SEP-990, "cross-app access") for the
// lab's oidc-provider (oauth-as.mjs), both sides of it:
//
// * the enterprise IdP (`oauth-as.mjs --idp`): people sign in to it with the
//   authorization code flow as the "requesting app" (clients `xaa-app`,
//   public, and `xaa-app-confidential`), and it answers an RFC 8693 token
//   exchange of their ID token for an ID-JAG (an Identity Assertion JWT
//   Authorization Grant, typ oauth-id-jag+jwt) for another authorization
//   server: `idJagExchange`, registered with provider.registerGrantType.
// * the MCP server's authorization server (`oauth-as.mjs --trust-idp URL`):
//   it accepts such an ID-JAG as the assertion of the RFC 7523 jwt-bearer
//   grant from the client the ID-JAG names (`verifyIdJag`).
//
// The checks are those of the SEP and of draft-ietf-oauth-identity-assertion-authz-grant:
// the subject token is an ID token this IdP issued to the requesting app;
// the ID-JAG's iss is the trusted IdP, its aud this AS, its client_id the
// authenticated client, its resource the requested resource.

import { randomBytes } from 'node:crypto';
import * as jose from 'jose';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
/** The client at the MCP server's AS that ID-JAGs name by default. */
export const XAA_CLIENT = 'xaa-client';
export const XAA_CLIENT_SECRET = 'xaa-client-secret';

/** The requesting app at the IdP, public and confidential. */
export function idpClients(loopback) {
  const grants = ['authorization_code', 'refresh_token', TOKEN_EXCHANGE];
  return [
    {
      client_id: 'xaa-app',
      client_name: 'mcp-tether as the requesting app (public, native)',
      application_type: 'native', // loopback redirect URIs match on any port
      token_endpoint_auth_method: 'none',
      grant_types: grants,
      response_types: ['code'],
      redirect_uris: loopback,
    },
    {
      client_id: 'xaa-app-confidential',
      client_name: 'mcp-tether as the requesting app (client_secret_basic)',
      client_secret: 'xaa-app-secret',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: grants,
      response_types: ['code'],
      redirect_uris: loopback,
    },
  ];
}

/** mcp-tether's client at the MCP server's AS, for the jwt-bearer grant. */
export function trustingAsClients(jwtBearerGrantType) {
  return [
    {
      client_id: XAA_CLIENT,
      client_name: 'mcp-tether at the resource app (ID-JAG, client_secret_basic)',
      client_secret: XAA_CLIENT_SECRET,
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [jwtBearerGrantType],
      response_types: [],
      redirect_uris: [],
    },
  ];
}

/**
 * What the IdP knows beyond oidc-provider: the ID and refresh tokens it
 * issued (seen on the token endpoint's answers), which ones a "sign-out
 * everywhere" revoked, and which audiences its policy refuses.
 */
export class IdpState {
  constructor() {
    this.idTokens = new Set();
    this.refreshTokens = new Set();
    this.revokedIdTokens = new Set();
    this.revokedRefreshTokens = new Set();
    this.deniedAudiences = new Set();
  }

  /** provider.on('grant.success', …): remember what was issued. */
  sawGrant(ctx) {
    const body = ctx.body ?? {};
    if (typeof body.id_token === 'string') this.idTokens.add(body.id_token);
    if (typeof body.refresh_token === 'string') this.refreshTokens.add(body.refresh_token);
  }

  /** Every session so far ends: its ID tokens and refresh tokens are refused. */
  revokeAll() {
    for (const t of this.idTokens) this.revokedIdTokens.add(t);
    for (const t of this.refreshTokens) this.revokedRefreshTokens.add(t);
    return { revokedIdTokens: this.revokedIdTokens.size, revokedRefreshTokens: this.revokedRefreshTokens.size };
  }

  /** A refresh_token grant with a revoked token (checked before oidc-provider sees it). */
  refusesRefresh(form) {
    return form.get('grant_type') === 'refresh_token' && this.revokedRefreshTokens.has(form.get('refresh_token'));
  }
}

/**
 * The IdP's token exchange (RFC 8693 §2.1, SEP-990): the requesting app
 * (authenticated by oidc-provider, and allowed this grant) presents the
 * person's ID token; the answer is an ID-JAG for `audience`.
 */
export function idJagExchange({ provider, errors, keys, state, jagClientId, log }) {
  // oidc-provider's errors carry a fixed error_description and keep the
  // message as a detail for its logs; an IdP says why, so the client can.
  const refuse = (Kind, why) => Object.assign(new Kind(why), { error_description: why });
  return async function tokenExchange(ctx) {
    const { client, params } = ctx.oidc;
    if (params.requested_token_type !== ID_JAG) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ID_JAG}`);
    }
    if (params.subject_token_type !== ID_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`subject_token_type must be ${ID_TOKEN_TYPE}`);
    }
    if (!params.subject_token) throw new errors.InvalidRequest("missing required parameter 'subject_token'");
    if (!params.audience) {
      throw new errors.InvalidRequest("missing required parameter 'audience' (the resource app's authorization server)");
    }
    let claims;
    try {
      ({ payload: claims } = await jose.jwtVerify(params.subject_token, keys.verify, {
        issuer: provider.issuer,
        audience: client.clientId,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (e) {
      throw refuse(errors.InvalidGrant, `the subject token was refused (${e.code ?? 'invalid'}: ${e.message})`);
    }
    if (state.revokedIdTokens.has(params.subject_token)) {
      throw refuse(errors.InvalidGrant, 'the subject token was revoked (the session ended)');
    }
    if (state.deniedAudiences.has(params.audience)) {
      throw refuse(errors.InvalidGrant, `policy: ${claims.sub} may not use ${params.audience} through ${client.clientId}`);
    }
    const resource = Array.isArray(params.resource) ? params.resource[0] : params.resource;
    const now = Math.floor(Date.now() / 1000);
    const jag = await new jose.SignJWT({
      client_id: jagClientId,
      ...(resource ? { resource } : {}),
      ...(params.scope ? { scope: params.scope } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', typ: ID_JAG_TYP, kid: keys.kid })
      .setIssuer(provider.issuer)
      .setSubject(claims.sub)
      .setAudience(params.audience)
      .setJti(`jag-${randomBytes(8).toString('hex')}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(keys.sign);
    log(`token exchange: an ID-JAG for ${claims.sub} at ${params.audience} (client ${jagClientId}, resource ${resource ?? '-'})`);
    ctx.body = {
      access_token: jag,
      issued_token_type: ID_JAG,
      token_type: 'N_A',
      expires_in: 300,
      ...(params.scope ? { scope: params.scope } : {}),
    };
  };
}

/** The IdP's keys in the forms the exchange needs, from its signing JWK. */
export async function idpKeys(signingJwk) {
  const { d, p, q, dp, dq, qi, ...publicJwk } = signingJwk;
  return {
    kid: signingJwk.kid,
    sign: await jose.importJWK(signingJwk, 'RS256'),
    verify: await jose.importJWK(publicJwk, 'RS256'),
  };
}

/**
 * The AS side: is `assertion` an ID-JAG from the trusted IdP for this AS,
 * this client and this resource? Returns its claims; throws a message for
 * invalid_grant / invalid_target otherwise.
 */
export function idJagVerifier(idpIssuer) {
  let jwks;
  async function keySet() {
    if (!jwks) {
      const res = await fetch(`${idpIssuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`the IdP's metadata: HTTP ${res.status}`);
      const md = await res.json();
      jwks = jose.createRemoteJWKSet(new URL(md.jwks_uri));
    }
    return jwks;
  }
  return {
    isIdJag(assertion) {
      try {
        return jose.decodeProtectedHeader(assertion).typ === ID_JAG_TYP;
      } catch {
        return false;
      }
    },
    async verify(assertion, { asIssuer, clientId, resource }) {
      const { payload } = await jose.jwtVerify(assertion, await keySet(), {
        issuer: idpIssuer,
        audience: asIssuer,
        typ: ID_JAG_TYP,
        requiredClaims: ['sub', 'exp', 'client_id'],
      });
      if (payload.client_id !== clientId) {
        const e = new Error(`the ID-JAG was issued for client ${payload.client_id}, not ${clientId}`);
        e.code = 'ERR_CLIENT_ID';
        throw e;
      }
      if (payload.resource && resource && payload.resource !== resource) {
        const e = new Error(`the ID-JAG is for resource ${payload.resource}, not ${resource}`);
        e.code = 'ERR_RESOURCE';
        throw e;
      }
      return payload;
    },
  };
}
