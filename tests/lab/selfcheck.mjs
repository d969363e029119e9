// Self-check for the lab servers: spawns each one (stdin piped, so they die
// with us), drives it with the official SDK client or plain fetch, and checks
// the answers and /_lab/log. Not part of the bridge's tests; run it after
// changing a lab server:   node selfcheck.mjs
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

const here = new URL('.', import.meta.url).pathname;
const children = [];
process.on('exit', () => children.forEach((c) => c.kill()));

function start(file, ...args) {
  const child = spawn(process.execPath, [file, ...args], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}`)));
  });
}

const base = (url) => new URL(url).origin;
const labLog = async (url) => (await fetch(`${base(url)}/_lab/log`)).json();
const resetLog = (url) => fetch(`${base(url)}/_lab/reset-log`, { method: 'POST' });
const textOf = (r) => r.content.map((c) => c.text).join('');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  }
}

function labClient() {
  const client = new Client(
    { name: 'lab-selfcheck', version: '0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    role: 'assistant',
    model: 'lab',
    content: { type: 'text', text: `answer to ${req.params.messages[0].content.text}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: 'accept',
    content: { name: 'Ada', ok: true },
  }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///tmp/lab', name: 'lab' }],
  }));
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  return { client, logs };
}

// ---------------------------------------------------------------- sdk-server
async function sdkServer(extraArgs) {
  const srv = await start('sdk-server.mjs', ...extraArgs);
  const tag = `sdk-server ${extraArgs.join(' ')}`.trim();
  const { client, logs } = labClient();
  const transport = new StreamableHTTPClientTransport(new URL(srv.url), {
    requestInit: { headers: { 'X-Lab-Custom': 'yes' } },
  });
  await client.connect(transport);
  await check(`${tag}: echo`, async () => {
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'hi');
  });
  await check(`${tag}: bytes`, async () => {
    const t = textOf(await client.callTool({ name: 'bytes', arguments: { n: 100000 } }));
    assert.equal(t.length, 100000);
    assert.equal(t.slice(0, 40), '0123456789abcdefghijklmnopqrstuvwxyz0123');
  });
  const json = extraArgs.includes('--json-response');
  // With --json-response the SDK has no stream for messages related to a
  // call, so it drops progress/log notifications and can't send
  // sampling/elicitation/roots requests. Those checks run only in SSE mode.
  if (!json) {
  await check(`${tag}: progress with token`, async () => {
    const seen = [];
    const r = await client.callTool({ name: 'progress', arguments: { count: 3 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    assert.equal(textOf(r), 'done 3');
    assert.deepEqual(seen, [1, 2, 3]);
  });
  await check(`${tag}: progress without token -> log messages`, async () => {
    const before = logs.length;
    const r = await client.callTool({ name: 'progress', arguments: { count: 2 } });
    assert.equal(textOf(r), 'done 2');
    assert.equal(logs.length - before, 2);
  });
  }
  await check(`${tag}: slow`, async () => {
    assert.equal(textOf(await client.callTool({ name: 'slow', arguments: { ms: 100 } })), 'slept 100');
  });
  if (!json) {
  await check(`${tag}: sample`, async () => {
    assert.equal(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'q' } })), 'answer to q');
  });
  await check(`${tag}: elicit`, async () => {
    const t = textOf(await client.callTool({ name: 'elicit', arguments: { message: 'who?' } }));
    assert.deepEqual(JSON.parse(t), { action: 'accept', content: { name: 'Ada', ok: true } });
  });
  await check(`${tag}: roots`, async () => {
    const t = textOf(await client.callTool({ name: 'roots', arguments: {} }));
    assert.equal(JSON.parse(t).roots[0].uri, 'file:///tmp/lab');
  });
  }
  await check(`${tag}: announce arrives via GET stream`, async () => {
    const before = logs.length;
    assert.equal(textOf(await client.callTool({ name: 'announce', arguments: { text: 'hello all' } })), 'announced');
    for (let i = 0; i < 50 && logs.length === before; i++) await sleep(20);
    assert.equal(logs.at(-1)?.data, 'hello all');
    const log = await labLog(srv.url);
    const get = log.find((e) => e.method === 'GET');
    assert.ok(get, 'a GET was logged');
    assert.equal(get.status, 200);
  });
  if (!json) {
    await check(`${tag}: disconnect (SDK closeSSEStream + client resume)`, async () => {
      await resetLog(srv.url);
      const r = await client.callTool({ name: 'disconnect', arguments: { ms: 300 } });
      assert.equal(textOf(r), 'resumed 300');
      const log = await labLog(srv.url);
      assert.ok(log.some((e) => e.method === 'GET' && e.headers['last-event-id']), 'resumed with Last-Event-ID');
    });
  }
  await check(`${tag}: log has headers`, async () => {
    const log = await labLog(srv.url);
    const post = log.find((e) => e.method === 'POST' && e.body?.method === 'tools/call');
    assert.equal(post.headers['x-lab-custom'], 'yes');
    assert.ok(post.headers['mcp-session-id']);
    assert.ok(post.headers['mcp-protocol-version']);
    assert.match(post.headers.accept, /text\/event-stream/);
    assert.equal(post.status, 200);
  });
  await check(`${tag}: expire-sessions -> 404, no-session -> 400`, async () => {
    const sid = transport.sessionId;
    await fetch(`${base(srv.url)}/_lab/expire-sessions`, { method: 'POST' });
    const hdr = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    const r1 = await fetch(srv.url, { method: 'POST', headers: { ...hdr, 'mcp-session-id': sid }, body });
    assert.equal(r1.status, 404);
    const r2 = await fetch(srv.url, { method: 'POST', headers: hdr, body });
    assert.equal(r2.status, 400);
    const log = await labLog(srv.url);
    assert.deepEqual(log.slice(-2).map((e) => e.status), [404, 400]);
  });
  await client.close().catch(() => {});
  srv.child.kill('SIGTERM');
}

// --------------------------------------------------------- legacy-sse-server
async function legacy() {
  const srv = await start('legacy-sse-server.mjs');
  await check('legacy: POST /sse is not MCP', async () => {
    const r = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.ok(r.status === 404 || r.status === 405, `status ${r.status}`);
  });
  await check('legacy: SSEClientTransport echo', async () => {
    const { client } = labClient();
    await client.connect(new SSEClientTransport(new URL(srv.url)));
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'old' } })), 'old');
    await client.close();
    const log = await labLog(srv.url);
    assert.ok(log.some((e) => e.method === 'POST' && e.path.startsWith('/messages?sessionId=') && e.status === 202));
  });
  srv.child.kill('SIGTERM');
}

// -------------------------------------------------------------- fault-server
const H = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
async function rpc(url, msg, headers = {}) {
  return fetch(url, { method: 'POST', headers: { ...H, ...headers }, body: JSON.stringify(msg) });
}
const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '0' } },
};
const CALL = (id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 't' } } });
async function init(url) {
  const r = await rpc(url, INIT);
  assert.equal(r.status, 200);
  const sid = r.headers.get('mcp-session-id');
  await r.json();
  return sid;
}

async function fault() {
  const srv = await start('fault-server.mjs');
  const o = base(srv.url);
  await check('fault ok: SDK client echo via /mcp', async () => {
    const { client } = labClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(srv.url)));
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'f' } })), 'f');
    await client.close();
  });
  await check('fault status500', async () => {
    const u = `${o}/status500/mcp`;
    const sid = await init(u);
    const r = await rpc(u, CALL(1), { 'mcp-session-id': sid });
    assert.equal(r.status, 500);
  });
  await check('fault session404', async () => {
    const u = `${o}/session404/mcp`;
    const s1 = await init(u);
    assert.equal(s1, 's1');
    assert.equal((await rpc(u, CALL(1), { 'mcp-session-id': s1 })).status, 200);
    assert.equal((await rpc(u, CALL(2), { 'mcp-session-id': s1 })).status, 404);
    const s2 = await init(u);
    assert.equal(s2, 's2');
    assert.equal((await rpc(u, CALL(3), { 'mcp-session-id': s2 })).status, 200);
    assert.equal((await rpc(u, CALL(4), { 'mcp-session-id': s2 })).status, 200);
    const inits = (await labLog(srv.url)).filter((e) => e.path === '/session404/mcp' && e.body?.method === 'initialize');
    assert.equal(inits.length, 2);
  });
  await check('fault slow: no answer within 500 ms', async () => {
    const u = `${o}/slow/mcp`;
    const sid = await init(u);
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 500);
    await assert.rejects(fetch(u, { method: 'POST', headers: { ...H, 'mcp-session-id': sid }, body: JSON.stringify(CALL(1)), signal: ac.signal }).then((r) => r.text()));
    clearTimeout(t);
  });
  await check('fault drop: SDK client resumes with Last-Event-ID e1 after retry', async () => {
    await resetLog(srv.url);
    const { client, logs } = labClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(`${o}/drop/mcp`)));
    const r = await client.callTool({ name: 'echo', arguments: { text: 'dropped' } });
    assert.equal(textOf(r), 'dropped');
    assert.equal(logs.length, 1);
    const log = await labLog(srv.url);
    const get = log.find((e) => e.method === 'GET' && e.headers['last-event-id'] === 'e1');
    assert.ok(get, 'GET with Last-Event-ID e1');
    assert.ok(get.extra.sinceDropMs >= 250, `waited ${get.extra.sinceDropMs} ms`);
    await client.close();
  });
  await check('fault getdrop: SDK client reconnects GET with Last-Event-ID g1', async () => {
    await resetLog(srv.url);
    const { client, logs } = labClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(`${o}/getdrop/mcp`)));
    for (let i = 0; i < 100 && logs.length < 2; i++) await sleep(20);
    assert.deepEqual(logs.map((l) => l.data), ['first (g1)', 'second (g2)']);
    const gets = (await labLog(srv.url)).filter((e) => e.method === 'GET');
    assert.equal(gets.length, 2);
    assert.equal(gets[1].headers['last-event-id'], 'g1');
    assert.ok(gets[1].extra.sinceDropMs >= 150, `waited ${gets[1].extra.sinceDropMs} ms`);
    await client.close();
    const dels = (await labLog(srv.url)).filter((e) => e.method === 'DELETE');
    assert.ok(dels.every((d) => d.status === 200));
  });
  srv.child.kill('SIGTERM');
}

await sdkServer([]);
await sdkServer(['--json-response']);
await legacy();
await fault();
console.log(failures ? `${failures} FAILED` : 'all ok');
process.exit(failures ? 1 : 0);
