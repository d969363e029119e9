#!/usr/bin/env node
// Host driver for the prerelease conformance suite (0.2.0-alpha.12).
//
//   node tests/conformance-next/host-next.mjs <server-url>
//
// The alpha tells the client which protocol to speak in
// MCP_CONFORMANCE_PROTOCOL_VERSION: 2025-11-25 for the older scenarios and
// 2026-07-28 for the scenarios introduced with that revision.
//
// - 2025-11-25 (or unset): hands over to tests/conformance/host.mjs unchanged
//   (same env, same argv), so the stable job's host is what runs.
// - 2026-07-28: plays a 2026-07-28 *host* on the bridge's stdio. There is no
//   initialize: every request carries `_meta` with
//   io.modelcontextprotocol/{protocolVersion,clientInfo,clientCapabilities}
//   (SEP-2575), the host opens with `server/discover`, lists and calls tools
//   (arguments from MCP_CONFORMANCE_CONTEXT.toolCalls when the scenario gives
//   them), lists/reads resources and lists/gets prompts when advertised, and
//   answers `input_required` results by retrying with inputResponses and the
//   untouched requestState (MRTR, SEP-2322). Per-scenario plans (PLANS below)
//   say where a scenario wants less or more of the host: no tool calls, the
//   schema echo, loading and verifying skills (../conformance/skills-host.mjs,
//   shared with host.mjs). HTTP-level duties — the
//   MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* headers, OAuth —
//   are the bridge's, and are what the suite checks.
//
// Env: as host.mjs (MCP_TETHER_BIN, MCP_TETHER_ARGS, HOST_TIMEOUT_MS,
// HOST_REQUEST_TIMEOUT_MS, HOST_VERBOSE). Exit 0 when every step succeeded and
// the bridge exited 0 after stdin EOF; 1 otherwise, with `[host-next] FAILED:`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverOffersSkills, useSkills } from '../conformance/skills-host.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const STABLE_HOST = path.join(REPO_ROOT, 'tests', 'conformance', 'host.mjs');
const NEXT_VERSION = '2026-07-28';
const OVERALL_TIMEOUT_MS = Number(process.env.HOST_TIMEOUT_MS || 25000);
const REQUEST_TIMEOUT_MS = Number(process.env.HOST_REQUEST_TIMEOUT_MS || 15000);
const VERBOSE = process.env.HOST_VERBOSE === '1';
const CLIENT_INFO = { name: 'mcp-tether-conformance-host', version: '0.1.0' };
const CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

const log = (...p) => process.stderr.write(`[host-next] ${p.join(' ')}\n`);
class HostFailure extends Error {}

// What the host does beyond the default (discover, list and call every tool,
// read resources and get prompts when advertised, list skills when offered),
// per scenario; the same plans as host.mjs where a scenario exists in both eras.
const PLANS = {
  // SEP-2106: the scenario's server implements tools/list only (tools/call is
  // -32601); the check is that listing a tool whose inputSchema has a network
  // $ref makes nobody fetch it. The host lists and calls nothing.
  'json-schema-ref-no-deref': { callTools: false },
  // SEP-1613/SEP-2106: pass the focal tool's inputSchema, as received, back
  // through the echo tool (see host.mjs).
  'json-schema-2020-12-preservation': {
    callTools: false,
    echoSchema: { of: 'json_schema_2020_12_tool', via: 'json_schema_echo' },
  },
  // Skills (SEP-2640, ../conformance/skills-host.mjs): load the listed skill
  // with verification; no-prefetch is the default (list, read nothing).
  'sep-2640-client-verify-digest': { callTools: false, loadSkills: true },
  'sep-2640-client-verify-size': { callTools: false, loadSkills: true },
  'sep-2640-client-verify-frontmatter': { callTools: false, loadSkills: true },
};

const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION || '2025-11-25';
if (version !== NEXT_VERSION) {
  // Older protocol: the stable host does the job.
  const child = spawn(process.execPath, [STABLE_HOST, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
  child.on('error', (err) => {
    log(`FAILED: cannot run ${STABLE_HOST}: ${err.message}`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    log(`FAILED: ${err instanceof HostFailure ? err.message : err.stack || err}`);
    process.exit(1);
  });
}

// --- values from JSON Schema (tool arguments, elicitation forms) -------------
function sample(schema, name) {
  if (!schema || typeof schema !== 'object') return 'test';
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer': case 'number': return 2;
    case 'boolean': return true;
    case 'array': return [];
    case 'object': return fill(schema, false);
    case 'null': return null;
    default: return `test-${name ?? 'value'}`;
  }
}
function fill(schema, all) {
  const out = {};
  const req = new Set(schema?.required || []);
  for (const [k, sub] of Object.entries(schema?.properties || {})) {
    if (all || req.has(k) || (sub && 'default' in sub)) out[k] = sample(sub, k);
  }
  return out;
}

// Answers an MRTR input request locally, as a host would.
function answerInput(req) {
  switch (req?.method) {
    case 'elicitation/create':
      return req.params?.mode === 'url'
        ? { action: 'accept' }
        : { action: 'accept', content: fill(req.params?.requestedSchema, true) };
    case 'sampling/createMessage':
      return { role: 'assistant', content: { type: 'text', text: 'fixed host reply' }, model: 'host', stopReason: 'endTurn' };
    case 'roots/list':
      return { roots: [] };
    default:
      return {};
  }
}

// --- the bridge on stdio -----------------------------------------------------
function authSetup(scenario) {
  // Same as host.mjs: a private config dir for every scenario (and the guard
  // that refuses the real one), a browser that approves at once for auth/.
  const env = {
    ...process.env,
    MCP_TETHER_CONFIG_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-conf-')),
    MCP_TETHER_REQUIRE_CONFIG_DIR: '1',
  };
  if (!scenario.startsWith('auth/')) return { args: [], env };
  env.BROWSER = `node ${path.join(REPO_ROOT, 'tests/conformance/approve-browser.mjs')}`;
  return { args: [], env };
}

async function main() {
  const url = process.argv[2];
  if (!url) throw new HostFailure('usage: host-next.mjs <server-url>');
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO || '';
  const ctx = process.env.MCP_CONFORMANCE_CONTEXT ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) : {};
  const raw = process.env.MCP_TETHER_BIN;
  const bin = !raw ? path.join(REPO_ROOT, 'target', 'debug', 'mcp-tether') : raw.includes('/') ? path.resolve(REPO_ROOT, raw) : raw;
  const extra = (process.env.MCP_TETHER_ARGS || '').split(/\s+/).filter(Boolean);
  const { args, env } = authSetup(scenario);
  log(`scenario ${scenario} (protocol ${NEXT_VERSION}): spawning ${bin} ${[...extra, ...args, url].join(' ')}`);
  const child = spawn(bin, [...extra, ...args, url], { stdio: ['pipe', 'pipe', 'inherit'], env });

  const pending = new Map();
  let nextId = 1;
  let buf = '';
  let fatal = null;
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve((exitInfo = { code, signal })));
    child.on('error', (error) => resolve((exitInfo = { code: null, signal: null, error })));
  });
  exited.then(() => {
    for (const p of pending.values()) p.reject(new HostFailure(`bridge exited early (${JSON.stringify(exitInfo)})`));
    pending.clear();
  });
  const write = (m) => {
    if (VERBOSE) log(`-> ${JSON.stringify(m)}`);
    if (!exitInfo) child.stdin.write(JSON.stringify(m) + '\n');
  };
  child.stdin.on('error', (e) => log(`bridge stdin error: ${e.message}`));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let msg;
      try { msg = JSON.parse(line); } catch {
        fatal = new HostFailure(`bridge wrote a non-JSON line: ${line.slice(0, 200)}`);
        continue;
      }
      if (VERBOSE) log(`<- ${line}`);
      if (typeof msg.method === 'string') {
        // 2026-07-28 has no server->client requests on a stateless wire; answer
        // like a host anyway so a relayed one does not hang.
        if (msg.id !== undefined && msg.id !== null) {
          log(`server request ${msg.method} (unexpected in ${NEXT_VERSION})`);
          write({ jsonrpc: '2.0', id: msg.id, result: answerInput(msg) });
        }
        continue;
      }
      const p = pending.get(msg.id);
      if (!p) { log(`ignoring response for unknown id ${JSON.stringify(msg.id)}`); continue; }
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(Object.assign(new HostFailure(`${p.method} failed: ${JSON.stringify(msg.error)}`), { rpc: msg.error }));
      else p.resolve(msg.result);
    }
  });

  let protocol = NEXT_VERSION;
  const withMeta = (params = {}) => ({
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': protocol,
      'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
      'io.modelcontextprotocol/clientCapabilities': CAPABILITIES,
      ...params._meta,
    },
  });
  const request = (method, params) => {
    if (fatal) return Promise.reject(fatal);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { pending.delete(id); reject(new HostFailure(`${method} timed out`)); }, REQUEST_TIMEOUT_MS);
      pending.set(id, { method, resolve, reject, timer });
      write({ jsonrpc: '2.0', id, method, params: withMeta(params) });
    });
  };
  // MRTR (SEP-2322): retry with a fresh id, the answers, and requestState as-is.
  const call = async (method, params) => {
    let res = await request(method, params);
    for (let round = 0; res?.resultType === 'input_required' && round < 5; round++) {
      const inputResponses = {};
      for (const [k, r] of Object.entries(res.inputRequests || {})) inputResponses[k] = answerInput(r);
      log(`${method}: input_required (${Object.keys(inputResponses).join(', ')}), retrying`);
      res = await request(method, {
        ...params,
        inputResponses,
        ...(res.requestState !== undefined && { requestState: res.requestState }),
      });
    }
    return res;
  };

  const run = async () => {
    let disc;
    try {
      disc = await call('server/discover', {});
    } catch (err) {
      // SEP-2575: on -32022, retry once with a version the server lists.
      const sup = err.rpc?.code === -32022 ? err.rpc.data?.supported : null;
      if (!Array.isArray(sup) || !sup.length) throw err;
      protocol = sup.includes(NEXT_VERSION) ? NEXT_VERSION : sup[0];
      log(`server/discover rejected the version; retrying with ${protocol}`);
      disc = await call('server/discover', {});
    }
    const caps = disc?.capabilities || {};
    log(`discovered: versions ${JSON.stringify(disc?.supportedVersions)}, capabilities ${Object.keys(caps).join(',') || '(none)'}`);

    const plan = PLANS[scenario] ?? {};
    const tools = (await call('tools/list', {}))?.tools;
    if (!Array.isArray(tools)) throw new HostFailure('tools/list result has no tools array');
    log(`tools: ${tools.map((t) => t.name).join(', ') || '(none)'}`);
    if (plan.echoSchema) {
      const { of, via } = plan.echoSchema;
      const focal = tools.find((t) => t.name === of);
      if (!focal || !tools.some((t) => t.name === via)) throw new HostFailure(`tools/list lacks ${of} or ${via}`);
      log(`echoing the inputSchema of ${of} through ${via}`);
      const res = await call('tools/call', { name: via, arguments: { schema: focal.inputSchema } });
      if (res?.isError) throw new HostFailure(`tool ${via} returned isError`);
    }
    if (serverOffersSkills(caps)) {
      const { outcomes } = await useSkills(call, { load: !!plan.loadSkills, log });
      for (const o of outcomes) if (!o.ok) log(`skill ${o.uri} refused (the host uses none of its content)`);
    } else if (plan.loadSkills) {
      throw new HostFailure(`scenario ${scenario}: the server did not declare the skills extension`);
    }
    const calls = plan.callTools === false
      ? []
      : Array.isArray(ctx.toolCalls)
        ? ctx.toolCalls
        : tools.map((t) => ({ name: t.name, arguments: fill(t.inputSchema, false) }));
    for (const { name, arguments: a } of calls) {
      const res = await call('tools/call', { name, arguments: a ?? {} });
      if (res?.isError) throw new HostFailure(`tool ${name} returned isError`);
      log(`${name} -> ${(res?.content ?? []).map((c) => c.text ?? c.type).join(' ')}`);
    }
    if (caps.resources) {
      for (const r of (await call('resources/list', {}))?.resources ?? []) await call('resources/read', { uri: r.uri });
    }
    if (caps.prompts) {
      for (const p of (await call('prompts/list', {}))?.prompts ?? []) await call('prompts/get', { name: p.name, arguments: {} });
    }
  };

  let failure = null;
  let deadline;
  try {
    await Promise.race([
      run(),
      new Promise((_, rej) => { deadline = setTimeout(() => rej(new HostFailure('overall timeout')), OVERALL_TIMEOUT_MS); }),
    ]);
    if (fatal) throw fatal;
  } catch (err) {
    failure = err;
  }
  clearTimeout(deadline);
  if (!exitInfo) child.stdin.end();
  const wait = (ms) => Promise.race([exited, new Promise((r) => setTimeout(() => r(null), ms))]);
  let exit = await wait(5000);
  if (!exit) {
    child.kill('SIGTERM');
    exit = (await wait(2000)) || (child.kill('SIGKILL'), await exited);
    failure ??= new HostFailure('bridge did not exit within 5 s of stdin EOF');
  }
  if (!failure && (exit.error || exit.code !== 0 || exit.signal)) {
    failure = new HostFailure(`bridge exited with ${JSON.stringify({ code: exit.code, signal: exit.signal, error: exit.error?.message })}`);
  }
  if (failure) throw failure;
  log(`scenario ${scenario}: OK`);
  process.exit(0);
}
