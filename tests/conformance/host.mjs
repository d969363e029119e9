#!/usr/bin/env node
// Conformance host driver for mcp-tether.
//
//   node tests/conformance/host.mjs <server-url>
//
// The MCP conformance suite's client mode runs `<command> <server-url>` and
// expects an MCP *client*. mcp-tether is a stdio<->Streamable HTTP bridge, so
// this script plays the stdio MCP host: it spawns the bridge, speaks
// newline-delimited JSON-RPC over the bridge's stdin/stdout, and does what the
// scenario named in MCP_CONFORMANCE_SCENARIO needs.
//
// Environment:
//   MCP_TETHER_BIN        bridge executable (default <repo>/target/debug/mcp-tether).
//                         Relative paths resolve against the repo root; a bare
//                         name without "/" is looked up on PATH.
//   MCP_TETHER_ARGS       extra bridge args, split on whitespace, placed before the URL.
//   MCP_CONFORMANCE_SCENARIO  scenario name (set by the suite).
//   MCP_CONFORMANCE_CONTEXT   scenario context JSON (set by the suite; logged only).
//   HOST_TIMEOUT_MS       overall deadline (default 25000, under the suite's 30000).
//   HOST_REQUEST_TIMEOUT_MS   per-request deadline (default 15000).
//   HOST_SETTLE_MS        pause after notifications/initialized (default 0), see below.
//   HOST_VERBOSE=1        log every JSON-RPC message to stderr.
//
// Exit status: 0 when every step succeeded and the bridge exited 0 after its
// stdin was closed; 1 otherwise, with the reason on stderr.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverOffersSkills, useSkills } from './skills-host.mjs';

const PROTOCOL_VERSION = '2025-11-25';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OVERALL_TIMEOUT_MS = Number(process.env.HOST_TIMEOUT_MS || 25000);
const REQUEST_TIMEOUT_MS = Number(process.env.HOST_REQUEST_TIMEOUT_MS || 15000);
const EXIT_GRACE_MS = 5000;
// Real hosts call tools within milliseconds of `initialized`, so the default
// is no pause: mcp-tether must not let the host's next request overtake its
// standalone GET stream (the sse-retry scenario server answers a pending
// tools/call on whatever GET arrives next, and fails a bridge that races).
// HOST_SETTLE_MS lets a stand-in bridge without that guarantee pause.
const SETTLE_MS = Number(process.env.HOST_SETTLE_MS ?? 0);
const VERBOSE = process.env.HOST_VERBOSE === '1';
const SAMPLING_TEXT = 'This is a fixed sampling reply from the mcp-tether conformance host.';

function log(...parts) {
  process.stderr.write(`[host] ${parts.join(' ')}\n`);
}

class HostFailure extends Error {}

// ---------------------------------------------------------------------------
// Scenario plans. Every plan gets initialize + notifications/initialized +
// tools/list first; `afterList` then runs with the listed tools.

const ALL_CAPABILITIES = {
  elicitation: { form: {}, url: {} },
  sampling: {},
  roots: { listChanged: false },
};

const SCENARIOS = {
  // Handshake only; the scenario server answers tools/list with no tools.
  initialize: { capabilities: {}, callTools: false },
  // add_numbers(a, b) must be called.
  tools_call: { capabilities: {}, callTools: true, requireTools: true },
  // The tool triggers elicitation/create; we accept with the schema defaults.
  'elicitation-sep1034-client-defaults': {
    capabilities: { elicitation: { form: {}, url: {} } },
    callTools: true,
    requireTools: true,
  },
  // The tool's SSE response is cut after a priming event; the result arrives
  // only if the bridge reconnects with GET (+ Last-Event-ID) after `retry` ms.
  'sse-retry': { capabilities: {}, callTools: true, requireTools: true },
  // SEP-1613: the scenario asks the client to pass the focal tool's inputSchema,
  // as the client received it, back through the echo tool; it then compares
  // that with what its server listed. Whatever mcp-tether did to tools/list
  // shows up there.
  'json-schema-2020-12-preservation': {
    capabilities: {},
    callTools: false,
    echoSchema: { of: 'json_schema_2020_12_tool', via: 'json_schema_echo' },
  },
  // Skills extension (SEP-2640; tests/conformance/skills-host.mjs). Every
  // plan lists skills when the server offers them and reads none of their
  // files (no-prefetch). In the verify-* scenarios the session uses the listed
  // skill, so the host loads it: it reads SKILL.md, verifies size, digest and
  // frontmatter, and refuses the skill (reads no more of it) on a mismatch.
  'sep-2640-client-verify-digest': { capabilities: {}, callTools: false, loadSkills: true },
  'sep-2640-client-verify-size': { capabilities: {}, callTools: false, loadSkills: true },
  'sep-2640-client-verify-frontmatter': { capabilities: {}, callTools: false, loadSkills: true },
};

// Anything else (e.g. auth/*): full capabilities, call every listed tool.
const DEFAULT_PLAN = { capabilities: ALL_CAPABILITIES, callTools: true, requireTools: false };

// ---------------------------------------------------------------------------
// Value synthesis from JSON Schema (tool inputs, elicitation forms).

function sampleFor(schema, name) {
  if (!schema || typeof schema !== 'object') return 'test';
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (Array.isArray(schema.oneOf) && schema.oneOf.length) {
    const first = schema.oneOf[0];
    return 'const' in first ? first.const : sampleFor(first, name);
  }
  if (Array.isArray(schema.anyOf) && schema.anyOf.length) return sampleFor(schema.anyOf[0], name);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
      return Math.max(Number.isInteger(schema.minimum) ? schema.minimum : 0, 2);
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 2) : 2;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return objectFromSchema(schema, { includeOptional: false });
    case 'null':
      return null;
    case 'string':
    default:
      if (schema.format === 'email') return 'host@example.com';
      if (schema.format === 'uri') return 'https://example.com/';
      if (schema.format === 'date') return '2025-01-01';
      if (schema.format === 'date-time') return '2025-01-01T00:00:00Z';
      return `test-${name ?? 'value'}`;
  }
}

// Required properties always get a value; optional ones only when they carry
// a default (or when includeOptional is set).
function objectFromSchema(schema, { includeOptional }) {
  const out = {};
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  for (const [key, sub] of Object.entries(props)) {
    if (required.has(key) || includeOptional || (sub && 'default' in sub)) {
      out[key] = sampleFor(sub, key);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON-RPC peer over the bridge's stdio.

class BridgePeer {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.buffer = '';
    this.fatal = null;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      // A failed spawn emits 'error' and never 'exit'.
      child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => this.onData(chunk));
    child.stdin.on('error', (err) => log(`bridge stdin error: ${err.message}`));
    this.exited.then(({ code, signal }) => {
      this.exitInfo = { code, signal };
      this.failAll(new HostFailure(`bridge exited early (code ${code}, signal ${signal})`));
    });
  }

  failAll(err) {
    for (const [, p] of this.pending) p.reject(err);
    this.pending.clear();
  }

  onData(chunk) {
    this.buffer += chunk;
    let nl;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        this.fatal = new HostFailure(`bridge wrote a non-JSON line to stdout: ${line.slice(0, 200)}`);
        this.failAll(this.fatal);
        continue;
      }
      for (const m of Array.isArray(msg) ? msg : [msg]) this.onMessage(m);
    }
  }

  onMessage(msg) {
    if (VERBOSE) log(`<- ${JSON.stringify(msg)}`);
    if (!msg || typeof msg !== 'object' || msg.jsonrpc !== '2.0') {
      log(`ignoring non-JSON-RPC message: ${JSON.stringify(msg)}`);
      return;
    }
    if (typeof msg.method === 'string') {
      if (msg.id !== undefined && msg.id !== null) this.answer(msg);
      else log(`notification ${msg.method}`);
      return;
    }
    if (msg.id === undefined || msg.id === null) {
      log(`ignoring response without id: ${JSON.stringify(msg)}`);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) {
      log(`ignoring response for unknown id ${JSON.stringify(msg.id)}`);
      return;
    }
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) {
      p.reject(new HostFailure(`${p.method} failed: ${JSON.stringify(msg.error)}`));
    } else if ('result' in msg) {
      p.resolve(msg.result);
    } else {
      p.reject(new HostFailure(`${p.method}: response has neither result nor error`));
    }
  }

  write(msg) {
    if (VERBOSE) log(`-> ${JSON.stringify(msg)}`);
    if (this.exitInfo) throw new HostFailure('cannot write: bridge has exited');
    this.child.stdin.write(JSON.stringify(msg) + '\n');
  }

  request(method, params, timeoutMs = REQUEST_TIMEOUT_MS) {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostFailure(`${method} (id ${id}) timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      try {
        this.write({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, ...(params !== undefined && { params }) });
  }

  // Server -> client requests.
  answer(req) {
    let result;
    let error;
    switch (req.method) {
      case 'ping':
        result = {};
        break;
      case 'roots/list':
        result = { roots: [] };
        break;
      case 'sampling/createMessage':
        result = {
          role: 'assistant',
          content: { type: 'text', text: SAMPLING_TEXT },
          model: 'mcp-tether-conformance-host',
          stopReason: 'endTurn',
        };
        break;
      case 'elicitation/create': {
        const params = req.params || {};
        if (params.mode === 'url') {
          result = { action: 'accept' };
        } else {
          result = {
            action: 'accept',
            content: objectFromSchema(params.requestedSchema, { includeOptional: false }),
          };
        }
        break;
      }
      default:
        error = { code: -32601, message: `Method not found: ${req.method}` };
    }
    log(`answering server request ${req.method}` + (error ? ' with error' : `: ${JSON.stringify(result)}`));
    this.write({ jsonrpc: '2.0', id: req.id, ...(error ? { error } : { result }) });
  }
}

// ---------------------------------------------------------------------------

function resolveBin() {
  const raw = process.env.MCP_TETHER_BIN;
  if (!raw) return path.join(REPO_ROOT, 'target', 'debug', 'mcp-tether');
  if (!raw.includes('/')) return raw; // PATH lookup
  return path.resolve(REPO_ROOT, raw);
}

async function runScenario(peer, scenario) {
  const plan = SCENARIOS[scenario] ?? DEFAULT_PLAN;

  const init = await peer.request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: plan.capabilities,
    clientInfo: { name: 'mcp-tether-conformance-host', version: '0.1.0' },
  });
  if (!init || typeof init.protocolVersion !== 'string') {
    throw new HostFailure(`initialize result lacks protocolVersion: ${JSON.stringify(init)}`);
  }
  log(
    `initialized: server ${init.serverInfo?.name ?? '?'} ${init.serverInfo?.version ?? '?'},` +
      ` protocol ${init.protocolVersion}`,
  );
  peer.notify('notifications/initialized');
  if (SETTLE_MS > 0) await new Promise((r) => setTimeout(r, SETTLE_MS));

  const list = await peer.request('tools/list', {});
  const tools = Array.isArray(list?.tools) ? list.tools : null;
  if (!tools) throw new HostFailure(`tools/list result has no tools array: ${JSON.stringify(list)}`);
  log(`tools: ${tools.map((t) => t.name).join(', ') || '(none)'}`);

  if (plan.echoSchema) await echoSchema(peer, tools, plan.echoSchema);
  if (serverOffersSkills(init.capabilities)) {
    const { outcomes } = await useSkills((m, p) => peer.request(m, p), { load: !!plan.loadSkills, log });
    for (const o of outcomes) if (!o.ok) log(`skill ${o.uri} refused (the host uses none of its content)`);
  } else if (plan.loadSkills) {
    throw new HostFailure(`scenario ${scenario}: the server did not declare the skills extension`);
  }

  if (!plan.callTools) return;
  if (plan.requireTools && tools.length === 0) {
    throw new HostFailure(`scenario ${scenario} expected the server to list tools, got none`);
  }
  for (const tool of tools) {
    const args = objectFromSchema(tool.inputSchema, { includeOptional: false });
    log(`calling ${tool.name} ${JSON.stringify(args)}`);
    const res = await peer.request('tools/call', { name: tool.name, arguments: args });
    const text = (res?.content ?? [])
      .filter((c) => c.type === 'text')
      .map((c) => c.text)
      .join(' ');
    if (res?.isError) throw new HostFailure(`tool ${tool.name} returned isError: ${text}`);
    log(`${tool.name} -> ${text || JSON.stringify(res)}`);
  }
}

// Passes tool `of`'s inputSchema, exactly as tools/list delivered it through
// the bridge, as the `schema` argument of tool `via`.
async function echoSchema(peer, tools, { of, via }) {
  const focal = tools.find((t) => t.name === of);
  if (!focal) throw new HostFailure(`tools/list has no ${of}`);
  if (!tools.some((t) => t.name === via)) throw new HostFailure(`tools/list has no ${via}`);
  log(`echoing the inputSchema of ${of} through ${via}`);
  const res = await peer.request('tools/call', { name: via, arguments: { schema: focal.inputSchema } });
  if (res?.isError) throw new HostFailure(`tool ${via} returned isError`);
}

/**
 * What a person would configure for the auth scenarios: a browser that
 * approves (the suite's AS redirects at once) and the credentials the suite
 * hands over in MCP_CONFORMANCE_CONTEXT; every scenario: a private config dir.
 */
function authSetup(scenario) {
  // Every scenario gets a private config dir (the era memory is written
  // there too), and the guard that makes the bridge refuse the real one.
  const env = {
    ...process.env,
    MCP_TETHER_CONFIG_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-conf-')),
    MCP_TETHER_REQUIRE_CONFIG_DIR: '1',
  };
  const args = [];
  if (!scenario.startsWith('auth/')) return { args, env };
  env.BROWSER = `node ${path.join(REPO_ROOT, 'tests/conformance/approve-browser.mjs')}`;
  const ctx = process.env.MCP_CONFORMANCE_CONTEXT ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) : {};
  if (ctx.client_id) args.push('--client-id', ctx.client_id);
  if (ctx.client_secret) {
    env.MCP_CONFORMANCE_CLIENT_SECRET = ctx.client_secret;
    args.push('--client-secret-env', 'MCP_CONFORMANCE_CLIENT_SECRET');
  }
  if (ctx.private_key_pem) {
    // private_key_jwt: the key goes in a file, as a person would keep it.
    const keyPath = path.join(env.MCP_TETHER_CONFIG_DIR, 'client-key.pem');
    fs.writeFileSync(keyPath, ctx.private_key_pem, { mode: 0o600 });
    args.push('--client-assertion-key', keyPath, '--client-assertion-alg', ctx.signing_algorithm || 'RS256');
  }
  if (scenario.startsWith('auth/client-credentials')) args.push('--flow', 'client-credentials');
  if (scenario === 'auth/wif-jwt-bearer') {
    // Workload identity: the workload's JWT in a file, as a Kubernetes
    // projected service-account token would be.
    const jwtPath = path.join(env.MCP_TETHER_CONFIG_DIR, 'workload.jwt');
    fs.writeFileSync(jwtPath, ctx.valid_jwt ?? '', { mode: 0o600 });
    args.push('--flow', 'jwt-bearer', '--assertion-file', jwtPath);
  }
  if (scenario === 'auth/enterprise-managed-authorization' || scenario === 'auth/cross-app-access-complete-flow') {
    // SEP-990: the ID token the person got from the enterprise IdP in a
    // file; the IdP's client and token endpoint as the admin hands them out.
    const idTokenPath = path.join(env.MCP_TETHER_CONFIG_DIR, 'id_token');
    fs.writeFileSync(idTokenPath, ctx.idp_id_token ?? '', { mode: 0o600 });
    args.push('--flow', 'enterprise', '--id-token-file', idTokenPath);
    if (ctx.idp_client_id) args.push('--idp-client-id', ctx.idp_client_id);
    if (ctx.idp_token_endpoint) args.push('--idp-token-endpoint', ctx.idp_token_endpoint);
    else if (ctx.idp_issuer) args.push('--idp-issuer', ctx.idp_issuer);
  }
  if (scenario === 'auth/basic-cimd') {
    // The URL the suite's AS accepts as a Client ID Metadata Document.
    args.push('--client-metadata-url', 'https://conformance-test.local/client-metadata.json');
  }
  return { args, env };
}

async function main() {
  const serverUrl = process.argv[2];
  if (!serverUrl) {
    log('usage: node tests/conformance/host.mjs <server-url>');
    process.exit(2);
  }
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO || 'initialize';
  if (process.env.MCP_CONFORMANCE_CONTEXT) {
    log(`context: ${process.env.MCP_CONFORMANCE_CONTEXT}`);
  }
  const bin = resolveBin();
  const extra = (process.env.MCP_TETHER_ARGS || '').split(/\s+/).filter(Boolean);
  const { args: authArgs, env } = authSetup(scenario);
  const args = [...extra, ...authArgs, serverUrl];
  log(`scenario ${scenario}: spawning ${bin} ${args.join(' ')}`);

  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const spawnError = new Promise((_, reject) =>
    child.on('error', (err) => reject(new HostFailure(`cannot start bridge ${bin}: ${err.message}`))),
  );
  const peer = new BridgePeer(child);

  let deadlineTimer;
  const deadline = new Promise((_, reject) => {
    deadlineTimer = setTimeout(
      () => reject(new HostFailure(`overall timeout after ${OVERALL_TIMEOUT_MS} ms`)),
      OVERALL_TIMEOUT_MS,
    );
  });

  let failure = null;
  try {
    await Promise.race([runScenario(peer, scenario), spawnError, deadline]);
    if (peer.fatal) throw peer.fatal;
  } catch (err) {
    failure = err;
  }

  // Shut down: close stdin, wait for a clean exit, escalate if needed.
  if (!peer.exitInfo) child.stdin.end();
  const waitExit = (ms) =>
    Promise.race([peer.exited, new Promise((r) => setTimeout(() => r(null), ms))]);
  let exit = await waitExit(EXIT_GRACE_MS);
  if (!exit) {
    log(`bridge did not exit within ${EXIT_GRACE_MS} ms of stdin EOF; sending SIGTERM`);
    child.kill('SIGTERM');
    exit = await waitExit(2000);
    if (!exit) {
      child.kill('SIGKILL');
      exit = await peer.exited;
    }
    failure ??= new HostFailure('bridge did not exit after stdin was closed');
  }
  clearTimeout(deadlineTimer);

  if (!failure && exit.error) {
    failure = new HostFailure(`cannot start bridge: ${exit.error.message}`);
  }
  if (!failure && (exit.code !== 0 || exit.signal)) {
    failure = new HostFailure(`bridge exited with code ${exit.code}, signal ${exit.signal}`);
  }
  if (failure) {
    log(`FAILED: ${failure.message}`);
    if (!(failure instanceof HostFailure)) log(failure.stack);
    process.exit(1);
  }
  log(`scenario ${scenario}: OK (bridge exit code ${exit.code})`);
  process.exit(0);
}

// Safety net: never let a drained event loop end the process with status 0.
process.on('beforeExit', () => {
  log('FAILED: host stopped without reaching a verdict');
  process.exit(1);
});

main().catch((err) => {
  log(`FAILED: ${err.stack || err}`);
  process.exit(1);
});
