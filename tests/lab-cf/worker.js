// mcp-tether test lab: an MCP server behind Cloudflare's OAuth provider, run locally by
// `wrangler dev` (workerd + local KV). See NOTES.md.
//
// * The OAuth part is the REAL library: npm `@cloudflare/workers-oauth-provider` (OAuthProvider,
//   the combined authorization server + resource server shape). It serves discovery, /register
//   (RFC 7591), /token (code + refresh, rotation), revocation, RFC 9728 metadata and the 401s.
// * The MCP part (/mcp) is HAND-MADE and tiny: a stateless Streamable HTTP responder that answers
//   every POST with `application/json` (no SSE, no sessions) and GET/DELETE with 405.
// * /authorize auto-approves (fixed user "lab-user"), so a user agent that only follows
//   redirects completes sign-in.
// * GET /_lab/counters counts what reached the provider (see `counters` below).

import { OAuthProvider } from "@cloudflare/workers-oauth-provider";

const USER_ID = "lab-user";
const SCOPES = ["mcp"];
const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"];

// Module-global, so it is per isolate. `wrangler dev` runs one isolate for this Worker and keeps it
// for the life of the process (it is only replaced when the source changes and wrangler reloads).
const counters = {
  registrations: 0,
  authorizations: 0,
  token_requests: { authorization_code: 0, refresh_token: 0 },
};

function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

// ---------------------------------------------------------------- hand-made MCP (JSON only)

const TOOLS = [
  {
    name: "echo",
    description: "Echoes `text` back, plus the authenticated user",
    inputSchema: {
      type: "object",
      properties: { text: { type: "string" } },
      required: ["text"],
    },
  },
];

function rpcResult(id, result) {
  return { jsonrpc: "2.0", id, result };
}
function rpcError(id, code, message) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message } };
}

function handleMessage(msg, props) {
  if (!msg || typeof msg !== "object" || msg.jsonrpc !== "2.0") {
    return rpcError(msg?.id, -32600, "Invalid Request");
  }
  // A notification, or a response to a server request: nothing to answer.
  if (msg.id === undefined || msg.id === null || msg.method === undefined) return null;
  const { id, method, params } = msg;
  switch (method) {
    case "initialize": {
      const asked = params?.protocolVersion;
      return rpcResult(id, {
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: "mcp-tether-lab-cf", version: "0.1.0" },
      });
    }
    case "ping":
      return rpcResult(id, {});
    case "tools/list":
      return rpcResult(id, { tools: TOOLS });
    case "tools/call": {
      if (params?.name !== "echo") return rpcError(id, -32602, `Unknown tool: ${params?.name}`);
      const text = String(params?.arguments?.text ?? "");
      return rpcResult(id, {
        content: [
          { type: "text", text },
          { type: "text", text: `user: ${props?.userId ?? "?"}` },
        ],
        isError: false,
      });
    }
    default:
      return rpcError(id, -32601, `Method not found: ${method}`);
  }
}

const mcpApiHandler = {
  async fetch(request, env, ctx) {
    if (request.method !== "POST") {
      return new Response("Method Not Allowed", { status: 405, headers: { allow: "POST" } });
    }
    let body;
    try {
      body = await request.json();
    } catch {
      return json(rpcError(null, -32700, "Parse error"), 400);
    }
    const props = ctx.props;
    if (Array.isArray(body)) {
      const out = body.map((m) => handleMessage(m, props)).filter((r) => r !== null);
      return out.length ? json(out) : new Response(null, { status: 202 });
    }
    const out = handleMessage(body, props);
    return out === null ? new Response(null, { status: 202 }) : json(out);
  },
};

// ---------------------------------------------------------------- /authorize: auto-approve

const defaultHandler = {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/authorize") {
      let authRequest;
      try {
        authRequest = await env.OAUTH_PROVIDER.parseAuthRequest(request);
      } catch (e) {
        return json({ error: "invalid_request", error_description: String(e?.message ?? e) }, 400);
      }
      const client = await env.OAUTH_PROVIDER.lookupClient(authRequest.clientId);
      if (!client) {
        return json({ error: "invalid_client", error_description: "unknown client_id" }, 400);
      }
      const { redirectTo } = await env.OAUTH_PROVIDER.completeAuthorization({
        request: authRequest,
        userId: USER_ID,
        metadata: { label: "auto-approved by the mcp-tether lab" },
        scope: authRequest.scope,
        props: { userId: USER_ID },
      });
      return new Response(null, { status: 302, headers: { location: redirectTo } });
    }
    return new Response("Not Found", { status: 404 });
  },
};

// ---------------------------------------------------------------- provider + lab wrapper

// The provider needs its canonical resource (RFC 9728 `resource`) at construction, but the port is
// only known per request, so one provider is built per origin (normally just one).
const providers = new Map();
function providerFor(origin) {
  let p = providers.get(origin);
  if (!p) {
    p = new OAuthProvider({
      apiRoute: "/mcp",
      apiHandler: mcpApiHandler,
      defaultHandler,
      authorizeEndpoint: "/authorize",
      tokenEndpoint: "/token",
      clientRegistrationEndpoint: "/register",
      accessTokenTTL: 60, // the minimum (KV's minimum expiration); the point is to test refresh
      scopesSupported: SCOPES,
      resourceMetadata: {
        resource: `${origin}/mcp`,
        authorization_servers: [origin],
        resource_name: "mcp-tether lab (Cloudflare workers-oauth-provider)",
      },
      requiredScopes: SCOPES,
    });
    providers.set(origin, p);
  }
  return p;
}

async function count(request, path) {
  if (path === "/register" && request.method === "POST") counters.registrations++;
  else if (path === "/authorize") counters.authorizations++;
  else if (path === "/token" && request.method === "POST") {
    let grant = "";
    try {
      const form = await request.clone().formData();
      grant = String(form.get("grant_type") ?? "");
    } catch {
      // not a form body: the provider will reject it
    }
    if (grant in counters.token_requests) counters.token_requests[grant]++;
    else if (grant) counters.token_requests[grant] = (counters.token_requests[grant] ?? 0) + 1;
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/_lab/counters" && request.method === "GET") return json(counters);
    if (url.pathname === "/_lab/reset-counters" && request.method === "POST") {
      counters.registrations = 0;
      counters.authorizations = 0;
      counters.token_requests = { authorization_code: 0, refresh_token: 0 };
      return json(counters);
    }
    if (url.pathname === "/_lab/health") return json({ ok: true });
    await count(request, url.pathname);
    return providerFor(url.origin).fetch(request, env, ctx);
  },
};
