// HAND-MADE FAKE MCP SERVER, for the hostile-server suite (cases.test.mjs).
//
// This is NOT a real MCP server. A real server (the official SDK, FastMCP…)
// can't be made to misbehave on demand: answer a request with 202, send both
// `result` and `error`, drip headers one byte a second, reset the socket on
// the first initialize only, loop SSE resumption forever… So this file speaks
// just enough MCP 2025-11-25 over Streamable HTTP, written by hand on
// node:http and raw sockets, with no dependencies, and then breaks the rules
// in one specific way per "case".
//
//   node broken-server.mjs [--port N]      (0, the default: the OS picks)
//
// Binds 127.0.0.1 only. Prints exactly one line on stdout once listening:
//   {"port":N,"url":"http://127.0.0.1:N/ok/mcp","otherPort":M}
// and exits on SIGTERM, SIGINT or when stdin reaches EOF.
//
// Cases are chosen by path: POST/GET/DELETE /<case>/mcp. Without a case
// override, every case behaves like `ok`:
//   initialize      -> result (protocolVersion 2025-11-25) + `mcp-session-id`
//   server/discover -> JSON-RPC error -32601 (a 2025-era server)
//   notifications   -> 202;  JSON-RPC responses (answers from the client) -> 202
//   tools/list      -> one tool, `echo`
//   tools/call echo -> {content:[{type:"text",text:<arguments.text>}]}
//   ping            -> {}
//   GET -> 405, DELETE -> 200
//
// A second listener (`otherPort`, "another origin") records every request it
// receives (method, path, headers, time) and answers something innocuous.
// Tests assert that nothing reached it.
//
// Lab endpoints (main port; not counted in any case's statistics):
//   GET /_lab/stats?case=X  -> {requests, byMethod, byRpc, byPath, timestamps,
//                               maxConcurrent (POSTs in flight at once),
//                               answers (POSTed JSON-RPC responses), answerIds
//                               (distinct), resumes (GETs with Last-Event-ID),
//                               getTimestamps}
//   GET /_lab/other[?case=X] -> [{method, path, headers, t}] the other origin received
//   GET /_lab/cases          -> the list of case names
//
// OAuth (only the always-401 case uses it), all on this same fake:
//   /.well-known/oauth-protected-resource/<case>/mcp, /.well-known/oauth-authorization-server/<case>,
//   /.well-known/openid-configuration/<case>, /<case>/.well-known/openid-configuration,
//   POST /<case>/register (DCR, counted), POST /<case>/token (400), GET /<case>/authorize (400).

import http from 'node:http';
import zlib from 'node:zlib';

// ---------------------------------------------------------------- arguments
let port = 0;
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--port') port = Number(a[++i]);
    else if (a[i].startsWith('--port=')) port = Number(a[i].slice(7));
    else { process.stderr.write(`broken-server: unknown argument ${a[i]}\n`); process.exit(2); }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) { process.stderr.write('broken-server: bad --port\n'); process.exit(2); }
}

const T0 = Date.now();
let mainPort = 0;
let otherPort = 0;
const base = () => `http://127.0.0.1:${mainPort}`;
const otherBase = () => `http://127.0.0.1:${otherPort}`;

// ---------------------------------------------------------------- statistics
const stats = new Map();
function statsFor(name) {
  let s = stats.get(name);
  if (!s) {
    s = { requests: 0, byMethod: {}, byRpc: {}, byPath: {}, timestamps: [], getTimestamps: [],
          maxConcurrent: 0, concurrent: 0, answers: 0, answerIds: new Set(), resumes: 0 };
    stats.set(name, s);
  }
  return s;
}
function statsJson(s) {
  if (!s) return { requests: 0, byMethod: {}, byRpc: {}, byPath: {}, timestamps: [], getTimestamps: [], maxConcurrent: 0, answers: 0, answerIds: 0, resumes: 0 };
  const { answerIds, concurrent, ...rest } = s;
  return { ...rest, answerIds: answerIds.size, concurrentNow: concurrent };
}
const otherLog = [];

// Per-case mutable state (counters, held responses…).
const caseState = new Map();
const st = (name) => { let v = caseState.get(name); if (!v) { v = {}; caseState.set(name, v); } return v; };

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let sessionCounter = 0;
const newSession = (name) => `s-${name}-${++sessionCounter}-${Math.random().toString(36).slice(2, 10)}`;

function sendJson(res, status, obj, headers = {}) {
  const body = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}
function sseStart(res, headers = {}) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  res.flushHeaders?.();
}
function sseEvent({ id, event, retry, data }) {
  let s = '';
  if (event !== undefined) s += `event: ${event}\n`;
  if (id !== undefined) s += `id: ${id}\n`;
  if (retry !== undefined) s += `retry: ${retry}\n`;
  if (data !== undefined) for (const line of String(typeof data === 'string' ? data : JSON.stringify(data)).split('\n')) s += `data: ${line}\n`;
  return s + '\n';
}
// Write, honouring backpressure; resolves false if the peer went away.
function write(res, chunk) {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    const ok = res.write(chunk);
    if (ok) return resolve(true);
    const done = (v) => { res.off('drain', onDrain); res.off('close', onClose); resolve(v); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
// Keep a response open until the client goes away; run `tick` every `ms`.
function holdOpen(res, ms, tick) {
  const timer = ms ? setInterval(() => { if (!res.destroyed) tick(); }, ms) : null;
  res.on('close', () => timer && clearInterval(timer));
}
// The raw socket, for responses node:http would refuse to produce.
function rawSocket(req) {
  const sock = req.socket;
  sock.on('error', () => {});
  return sock;
}
const echoText = (msg) => String(msg?.params?.arguments?.text ?? '');
const echoResult = (msg) => ({ content: [{ type: 'text', text: echoText(msg) }] });
const ok = (id, result) => ({ jsonrpc: '2.0', id, result });
const err = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });

function defaultAnswer(msg) {
  switch (msg.method) {
    case 'initialize':
      return ok(msg.id, {
        protocolVersion: '2025-11-25',
        capabilities: { tools: { listChanged: false } },
        serverInfo: { name: 'broken-server (hand-made fake)', version: '0.0.0' },
      });
    case 'server/discover': return err(msg.id, -32601, 'Method not found: server/discover');
    case 'tools/list':
      return ok(msg.id, { tools: [{ name: 'echo', description: 'echo arguments.text',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] });
    case 'tools/call':
      if (msg.params?.name !== 'echo') return err(msg.id, -32602, `unknown tool ${msg.params?.name}`);
      return ok(msg.id, echoResult(msg));
    case 'ping': return ok(msg.id, {});
    default: return err(msg.id, -32601, `Method not found: ${msg.method}`);
  }
}

// The normal behaviour for a POST (used by every case unless it overrides).
function defaultPost(ctx) {
  const { res, msg } = ctx;
  if (msg === undefined) return sendJson(res, 400, err(null, -32700, 'Parse error'));
  if (Array.isArray(msg)) return sendJson(res, 400, err(null, -32600, 'batches are not supported'));
  if (msg.method === undefined) return res.writeHead(202).end(); // an answer from the client
  if (msg.id === undefined) return res.writeHead(202).end(); // a notification
  const headers = msg.method === 'initialize' ? { 'mcp-session-id': newSession(ctx.name) } : {};
  return sendJson(res, 200, defaultAnswer(msg), headers);
}
const isCall = (msg) => msg && !Array.isArray(msg) && msg.method === 'tools/call';

// Text of a JSON-RPC message whose top-level id is given as raw JSON text.
function withRawId(obj, rawId) {
  const { id, ...rest } = obj;
  const tail = JSON.stringify(rest).slice(1);
  return `{"id":${rawId}${tail.length > 1 ? ',' : ''}${tail}`;
}

// ---------------------------------------------------------------- the cases
// Each case may define post(ctx), get(ctx), del(ctx). Return false (or
// nothing after having not answered… see `handled`) to fall back to default.
// ctx = {name, req, res, msg, body, state, url}.
const PING_FLOOD = 10_000;
const NOTIF_FLOOD = 100_000;
const REQ_FLOOD = 10_000;

const CASES = {
  ok: {},
  'sse-ok': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.write(sseEvent({ id: 'prime-1', data: '' }));
      ctx.res.end(sseEvent({ event: 'message', id: 'ev-2', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'host-string-ids': {},

  // ---- from the bug report
  post202: { post(ctx) { if (!isCall(ctx.msg)) return false; ctx.res.writeHead(202).end(); } },
  both: {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sendJson(ctx.res, 200, { jsonrpc: '2.0', id: ctx.msg.id, result: echoResult(ctx.msg), error: { code: -32000, message: 'and an error too' } });
    },
  },
  'comments-forever': {
    post(ctx) {
      if (!isCall(ctx.msg) || echoText(ctx.msg) !== 'hang') return false;
      sseStart(ctx.res);
      ctx.res.write(': still thinking\n\n');
      holdOpen(ctx.res, 200, () => ctx.res.write(': still thinking\n\n'));
    },
  },
  'huge-retry': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const s = ctx.state; s.pending ??= new Map(); s.n = (s.n ?? 0) + 1;
      const evId = `hr-${s.n}`;
      s.pending.set(evId, ctx.msg);
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ id: evId, retry: 999999999, data: '' }));
    },
    get(ctx) {
      const last = ctx.req.headers['last-event-id'];
      const msg = last && ctx.state.pending?.get(last);
      if (!msg) return false;
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ event: 'message', id: `${last}-done`, data: ok(msg.id, echoResult(msg)) }));
    },
  },
  'ping-flood': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      let buf = '';
      for (let i = 1; i <= PING_FLOOD; i++) {
        buf += sseEvent({ event: 'message', data: { jsonrpc: '2.0', id: `p${i}`, method: 'ping' } });
        if (i % 500 === 0) { if (!(await write(ctx.res, buf))) return; buf = ''; }
      }
      if (buf && !(await write(ctx.res, buf))) return;
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'reset-init': {
    post(ctx) {
      if (ctx.msg?.method !== 'initialize' || ctx.state.reset) return false;
      ctx.state.reset = true;
      ctx.req.socket.destroy();
    },
  },
  'get-retry0': {
    get(ctx) { sseStart(ctx.res); ctx.res.end('retry: 0\n\n'); },
  },
  'wrong-id': {
    post(ctx) {
      if (!isCall(ctx.msg) || echoText(ctx.msg) !== 'wrong') return false;
      const id = ctx.msg.id;
      sendJson(ctx.res, 200, ok(typeof id === 'number' ? id + 1000 : `${id}-1000`, echoResult(ctx.msg)));
    },
  },
  'string-id': {
    post(ctx) {
      if (!isCall(ctx.msg) || echoText(ctx.msg) !== 'wrong') return false;
      const id = ctx.msg.id;
      // The numeric id comes back as a string ("2" for 2); a string id comes back as a number if it can.
      const other = typeof id === 'number' ? String(id) : (Number.isFinite(Number(id)) ? Number(id) : `${id}`);
      sendJson(ctx.res, 200, ok(other, echoResult(ctx.msg)));
    },
  },
  'inflight-eof': { post(ctx) { if (!isCall(ctx.msg)) return false; /* never answer */ } },
  'always-401': {
    post(ctx) {
      const rm = `${base()}/.well-known/oauth-protected-resource/${ctx.name}/mcp`;
      sendJson(ctx.res, 401, { error: 'invalid_token' }, { 'www-authenticate': `Bearer resource_metadata="${rm}"` });
    },
  },

  // ---- bodies
  'truncated-body': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const full = JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg)));
      ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': full.length + 500 });
      ctx.res.write(full.slice(0, 25));
      setTimeout(() => ctx.req.socket.destroy(), 50);
    },
  },
  'body-50mb': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      // A VALID 50 MB response: the echo text is padded.
      const pad = 'x'.repeat(50 * 1024 * 1024);
      const body = JSON.stringify(ok(ctx.msg.id, { content: [{ type: 'text', text: echoText(ctx.msg) }], pad }));
      ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      ctx.res.end(body);
    },
  },
  'body-50mb-unterminated': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      // 50 MB of a JSON string that never ends, then the connection closes cleanly.
      ctx.res.writeHead(200, { 'content-type': 'application/json' });
      if (!(await write(ctx.res, `{"jsonrpc":"2.0","id":${JSON.stringify(ctx.msg.id)},"result":{"pad":"`))) return;
      const chunk = 'y'.repeat(1024 * 1024);
      for (let i = 0; i < 50; i++) if (!(await write(ctx.res, chunk))) return;
      ctx.res.end();
    },
  },
  'nested-100k': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      sendJson(ctx.res, 200, `{"jsonrpc":"2.0","id":${JSON.stringify(ctx.msg.id)},"result":{"content":${JSON.stringify(echoResult(ctx.msg).content)},"deep":${deep}}}`);
    },
  },
  'not-utf8': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const head = Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(ctx.msg.id)},"result":{"content":[{"type":"text","text":"bad `);
      const body = Buffer.concat([head, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}]}}')]);
      ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      ctx.res.end(body);
    },
  },
  'not-jsonrpc': { post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, { foo: 1 }); } },
  'jsonrpc-1.0': {
    post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, { jsonrpc: '1.0', id: ctx.msg.id, result: echoResult(ctx.msg) }); },
  },
  'batch-unrelated': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sendJson(ctx.res, 200, [ok(9991, { content: [] }), ok('unrelated-9992', { content: [] })]);
    },
  },
  'null-id': { post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, ok(null, echoResult(ctx.msg))); } },
  'result-missing': { post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, { jsonrpc: '2.0', id: ctx.msg.id }); } },
  'error-no-code': {
    post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, { jsonrpc: '2.0', id: ctx.msg.id, error: { message: 'no code here' } }); },
  },
  'error-code-string': {
    post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, { jsonrpc: '2.0', id: ctx.msg.id, error: { code: '-32000', message: 'code is a string' } }); },
  },
  'null-id-error': {
    post(ctx) { if (!isCall(ctx.msg)) return false; sendJson(ctx.res, 200, err(null, -32700, 'Parse error')); },
  },
  'float-id': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const id = ctx.msg.id;
      const raw = typeof id === 'number' && Number.isInteger(id) ? `${id}.0` : JSON.stringify(id);
      sendJson(ctx.res, 200, withRawId(ok(id, echoResult(ctx.msg)), raw));
    },
  },
  'dup-response': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      const r = sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) });
      ctx.res.end(r + r + sseEvent({ event: 'message', data: err(ctx.msg.id, -32000, 'third answer, an error') }));
    },
  },
  swapped: {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      // Hold the first call until the second arrives; then answer each POST with the OTHER's response.
      const s = ctx.state;
      if (!s.held) { s.held = ctx; setTimeout(() => { if (s.held === ctx) { s.held = null; sendJson(ctx.res, 200, ok(ctx.msg.id, echoResult(ctx.msg))); } }, 3000); return; }
      const first = s.held; s.held = null;
      sendJson(first.res, 200, ok(ctx.msg.id, echoResult(ctx.msg)));
      sendJson(ctx.res, 200, ok(first.msg.id, echoResult(first.msg)));
    },
  },

  // ---- content types and encodings
  'ct-json-sends-sse': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const body = sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) });
      ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      ctx.res.end(body);
    },
  },
  'ct-sse-sends-json': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.end(JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg))) + '\n');
    },
  },
  'ct-missing': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const body = JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg)));
      ctx.res.removeHeader('content-type');
      ctx.res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      ctx.res.end(body);
    },
  },
  'gzip-lie': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sendJson(ctx.res, 200, ok(ctx.msg.id, echoResult(ctx.msg)), { 'content-encoding': 'gzip' });
    },
  },
  'gzip-bomb': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      // Really gzip: 200 MB of spaces compressed to ~200 KB, then the response.
      const inner = Buffer.concat([Buffer.alloc(200 * 1024 * 1024, 0x20), Buffer.from(JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg))))]);
      const gz = ctx.state.gz ??= zlib.gzipSync(inner, { level: 9 });
      ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length });
      ctx.res.end(gz);
    },
  },

  // ---- SSE oddities
  'sse-garbage': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.write('garbage line without a colon\n\nbogus-field: 12\n\n:\n: comment\ndata\n\n');
      ctx.res.write('event: weird\nid\nretry: not-a-number\nretry: -5\n\n');
      ctx.res.write('%%%%%%%%% {{{ }}}\n\n');
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'sse-bad-utf8': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.write(Buffer.concat([Buffer.from('x-junk: '), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('\n: '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n\n')]));
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'sse-event-20mb': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      const pad = 'z'.repeat(20 * 1024 * 1024);
      const data = JSON.stringify(ok(ctx.msg.id, { content: [{ type: 'text', text: echoText(ctx.msg) }], pad }));
      if (!(await write(ctx.res, 'event: message\ndata: '))) return;
      for (let i = 0; i < data.length; i += 1 << 20) if (!(await write(ctx.res, data.slice(i, i + (1 << 20))))) return;
      ctx.res.end('\n\n');
    },
  },
  'sse-multiline-data': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      // Pretty-printed over many `data:` lines; the joined data has newlines in it.
      ctx.res.end(sseEvent({ event: 'message', data: JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg)), null, 2) }));
    },
  },
  'sse-endpoint-noise': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.write(sseEvent({ event: 'endpoint', data: `${otherBase()}/${ctx.name}/messages?sessionId=x` }));
      ctx.res.write(sseEvent({ event: 'endpoint', data: '/sse-endpoint-noise/elsewhere' }));
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'sse-crlf': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }).replace(/\n/g, '\r\n'));
    },
  },
  'sse-cr-only': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }).replace(/\n/g, '\r'));
    },
  },
  'sse-unterminated': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      // The event never gets its blank line: per the SSE spec it is discarded at EOF.
      ctx.res.end(`event: message\ndata: ${JSON.stringify(ok(ctx.msg.id, echoResult(ctx.msg)))}`);
    },
  },
  'resume-loop': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const s = ctx.state; s.n = (s.n ?? 0) + 1;
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ id: `rl-${s.n}-0`, retry: 500, data: '' }));
    },
    get(ctx) {
      const last = ctx.req.headers['last-event-id'];
      if (!last) return false;
      const [, n, k] = /^rl-(\d+)-(\d+)$/.exec(last) ?? [null, '0', '0'];
      sseStart(ctx.res);
      ctx.res.end(sseEvent({ id: `rl-${n}-${Number(k) + 1}`, retry: 500, data: '' }));
    },
  },
  'notif-flood': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      let buf = '';
      for (let i = 1; i <= NOTIF_FLOOD; i++) {
        buf += sseEvent({ event: 'message', data: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `n${i}` } } });
        if (i % 1000 === 0) { if (!(await write(ctx.res, buf))) return; buf = ''; }
      }
      if (buf && !(await write(ctx.res, buf))) return;
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'srv-req-flood': {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sseStart(ctx.res);
      let buf = '';
      for (let i = 1; i <= REQ_FLOOD; i++) {
        buf += sseEvent({ event: 'message', data: { jsonrpc: '2.0', id: `q${i}`, method: 'roots/list', params: {} } });
        if (i % 500 === 0) { if (!(await write(ctx.res, buf))) return; buf = ''; }
      }
      if (buf && !(await write(ctx.res, buf))) return;
      ctx.res.end(sseEvent({ event: 'message', data: ok(ctx.msg.id, echoResult(ctx.msg)) }));
    },
  },
  'inflight-eof-sse': {
    post(ctx) { if (!isCall(ctx.msg)) return false; sseStart(ctx.res); holdOpen(ctx.res, 0); },
  },

  // ---- HTTP status, redirects, retries
  'redirect-other': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      ctx.res.writeHead(307, { location: `${otherBase()}/${ctx.name}/mcp`, 'content-length': 0 }).end();
    },
  },
  'redirect-other-init': {
    post(ctx) {
      if (ctx.msg?.method !== 'initialize') return false;
      ctx.res.writeHead(307, { location: `${otherBase()}/${ctx.name}/mcp`, 'content-length': 0 }).end();
    },
  },
  'redirect-loop': {
    post(ctx) {
      if (!isCall(ctx.msg) && !ctx.url.searchParams.has('n')) return false;
      const n = Number(ctx.url.searchParams.get('n') ?? 0) + 1;
      ctx.res.writeHead(307, { location: `/${ctx.name}/mcp?n=${n}`, 'content-length': 0 }).end();
    },
  },
  'redirect-404': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      ctx.res.writeHead(301, { location: `/${ctx.name}/gone`, 'content-length': 0 }).end();
    },
  },
  'html-500': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const body = '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1><script>alert(1)</script></body></html>';
      ctx.res.writeHead(500, { 'content-type': 'text/html', 'content-length': body.length }).end(body);
    },
  },
  'retry-after-429': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sendJson(ctx.res, 429, err(ctx.msg.id, -32000, 'slow down'), { 'retry-after': '100000' });
    },
  },
  '503-forever': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      ctx.res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('Service Unavailable');
    },
  },
  'conn-reset-call': { post(ctx) { if (!isCall(ctx.msg)) return false; ctx.req.socket.destroy(); } },
  'empty-200': {
    post(ctx) { if (!isCall(ctx.msg)) return false; ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': 0 }).end(); },
  },
  'init-202': { post(ctx) { if (ctx.msg?.method !== 'initialize') return false; ctx.res.writeHead(202).end(); } },
  'session-expired-loop': {
    post(ctx) {
      const m = ctx.msg;
      if (!m || Array.isArray(m) || m.method === 'initialize' || m.id === undefined || m.method === undefined) return false;
      if (!ctx.req.headers['mcp-session-id']) return false;
      sendJson(ctx.res, 404, err(m.id, -32001, 'Session not found'));
    },
  },
  'notif-error-body': {
    post(ctx) {
      const m = ctx.msg;
      if (!m || Array.isArray(m) || m.method === undefined || m.id !== undefined) return false;
      sendJson(ctx.res, 400, { jsonrpc: '2.0', error: { code: -32600, message: 'I do not like your notification' } });
    },
  },
  'notif-error-200': {
    post(ctx) {
      const m = ctx.msg;
      if (!m || Array.isArray(m) || m.method === undefined || m.id !== undefined) return false;
      sendJson(ctx.res, 200, err(null, -32600, 'a notification answered with an error'));
    },
  },
  'init-no-version': {
    post(ctx) {
      if (ctx.msg?.method !== 'initialize') return false;
      const r = defaultAnswer(ctx.msg); delete r.result.protocolVersion;
      sendJson(ctx.res, 200, r, { 'mcp-session-id': newSession(ctx.name) });
    },
  },
  'delete-hang': { del() { /* never answer */ } },
  'get-hang': { get(ctx) { sseStart(ctx.res); holdOpen(ctx.res, 0); } },

  // ---- headers and raw sockets
  'header-flood': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      for (let i = 0; i < 1000; i++) ctx.res.setHeader(`x-junk-${i}`, `value-${i}`);
      sendJson(ctx.res, 200, ok(ctx.msg.id, echoResult(ctx.msg)));
    },
  },
  'header-1mb': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      sendJson(ctx.res, 200, ok(ctx.msg.id, echoResult(ctx.msg)), { 'x-huge': 'h'.repeat(1024 * 1024) });
    },
  },
  'huge-session-id': {
    post(ctx) {
      if (ctx.msg?.method !== 'initialize') return false;
      sendJson(ctx.res, 200, defaultAnswer(ctx.msg), { 'mcp-session-id': 'S'.repeat(64 * 1024) });
    },
  },
  'session-ctl': {
    post(ctx) {
      if (ctx.msg?.method !== 'initialize') return false;
      // ESC [31m and DEL inside the session id: node:http refuses, so raw.
      const body = JSON.stringify(defaultAnswer(ctx.msg));
      const sock = rawSocket(ctx.req);
      sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nmcp-session-id: evil\x1b[31mRED\x7f\x01sess\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    },
  },
  slowloris: {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const sock = rawSocket(ctx.req);
      const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-slow: ' + 'a'.repeat(200);
      let i = 0;
      const t = setInterval(() => { if (sock.destroyed || i >= head.length) return clearInterval(t); sock.write(head[i++]); }, 1000);
      sock.on('close', () => clearInterval(t));
    },
  },
  'status-then-hang': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      rawSocket(ctx.req).write('HTTP/1.1 200 OK\r\n');
    },
  },
  'chunked-garbage': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const sock = rawSocket(ctx.req);
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      sock.write('zz\r\n{"jsonrpc":\r\nQQ\r\n');
      setTimeout(() => sock.end('0\r\n\r\n'), 100);
    },
  },
  'close-mid-chunk': {
    post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const sock = rawSocket(ctx.req);
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      sock.write(`100\r\n{"jsonrpc":"2.0","id":${JSON.stringify(ctx.msg.id)},"res`);
      setTimeout(() => sock.destroy(), 100);
    },
  },

  // ---- for the interleaving property test (tests/it/interleave.rs): each
  // tools/call names the case that answers it (`arguments.behave`, after
  // `arguments.delayMs`), so one bridge meets many misbehaviours at once.
  // Resumption GETs go to the case whose event ids they carry.
  mixed: {
    async post(ctx) {
      if (!isCall(ctx.msg)) return false;
      const a = ctx.msg.params?.arguments ?? {};
      if (a.delayMs) await sleep(Math.min(Number(a.delayMs) || 0, 5000));
      const c = CASES[a.behave];
      if (!c?.post || a.behave === 'mixed') return false;
      return c.post(ctx);
    },
    get(ctx) {
      const last = String(ctx.req.headers['last-event-id'] ?? '');
      if (last.startsWith('rl-')) return CASES['resume-loop'].get(ctx);
      if (last.startsWith('hr-')) return CASES['huge-retry'].get(ctx);
      return false;
    },
  },
};
const CASE_NAMES = new Set(Object.keys(CASES));

// ---------------------------------------------------------------- OAuth (same fake)
function oauth(ctx, parts) {
  const { req, res, name } = ctx;
  const issuer = `${base()}/${name}`;
  const asMeta = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
  };
  const p = parts.join('/');
  if (p.startsWith('.well-known/oauth-protected-resource')) {
    return sendJson(res, 200, { resource: `${base()}/${name}/mcp`, authorization_servers: [issuer], bearer_methods_supported: ['header'] });
  }
  if (p.startsWith('.well-known/oauth-authorization-server') || p.startsWith('.well-known/openid-configuration') || p.endsWith('.well-known/openid-configuration') || p.endsWith('.well-known/oauth-authorization-server')) {
    return sendJson(res, 200, asMeta);
  }
  if (p.endsWith('/register') && req.method === 'POST') {
    let reg = {};
    try { reg = JSON.parse(ctx.body.toString('utf8')); } catch {}
    return sendJson(res, 201, { ...reg, client_id: `client-${Math.random().toString(36).slice(2)}`, client_id_issued_at: Math.floor(Date.now() / 1000), token_endpoint_auth_method: 'none' });
  }
  if (p.endsWith('/token')) return sendJson(res, 400, { error: 'invalid_grant' });
  if (p.endsWith('/authorize')) return sendJson(res, 400, { error: 'invalid_request' });
  return sendJson(res, 404, { error: 'not found' });
}

// ---------------------------------------------------------------- dispatch
function readBody(req, limit = 16 * 1024 * 1024) {
  return new Promise((resolve) => {
    const chunks = []; let n = 0;
    req.on('data', (c) => { n += c.length; if (n <= limit) chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
    req.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function handleMain(req, res) {
  req.socket.on('error', () => {});
  res.on('error', () => {});
  const url = new URL(req.url, 'http://127.0.0.1');
  const parts = url.pathname.split('/').filter(Boolean);

  if (parts[0] === '_lab') {
    if (parts[1] === 'stats') return sendJson(res, 200, statsJson(stats.get(url.searchParams.get('case'))));
    if (parts[1] === 'other') {
      const c = url.searchParams.get('case');
      return sendJson(res, 200, c ? otherLog.filter((e) => e.path.split('/').includes(c)) : otherLog);
    }
    if (parts[1] === 'cases') return sendJson(res, 200, [...CASE_NAMES]);
    return sendJson(res, 404, { error: 'unknown lab endpoint' });
  }

  const name = parts.find((p) => CASE_NAMES.has(p));
  if (!name) return sendJson(res, 404, { error: `no such case in ${url.pathname}` });

  const s = statsFor(name);
  const now = Date.now() - T0;
  s.requests++;
  s.timestamps.push(now);
  s.byMethod[req.method] = (s.byMethod[req.method] ?? 0) + 1;
  s.byPath[url.pathname] = (s.byPath[url.pathname] ?? 0) + 1;
  if (req.method === 'GET') { s.getTimestamps.push(now); if (req.headers['last-event-id']) s.resumes++; }
  if (req.method === 'POST') {
    s.concurrent++;
    s.maxConcurrent = Math.max(s.maxConcurrent, s.concurrent);
    let counted = true;
    const done = () => { if (counted) { counted = false; s.concurrent--; } };
    res.on('finish', done); res.on('close', done);
  }

  const body = await readBody(req);
  let msg;
  try { msg = JSON.parse(body.toString('utf8')); } catch { msg = undefined; }
  if (req.method === 'POST' && msg && !Array.isArray(msg)) {
    if (msg.method) s.byRpc[msg.method] = (s.byRpc[msg.method] ?? 0) + 1;
    else { s.answers++; s.answerIds.add(JSON.stringify(msg.id)); }
  }
  const ctx = { name, req, res, msg, body, state: st(name), url };

  const mcpPath = parts.length === 2 && parts[0] === name && parts[1] === 'mcp';
  if (!mcpPath) {
    if (name === 'always-401') return oauth(ctx, parts);
    return sendJson(res, 404, { error: 'not found' });
  }
  const c = CASES[name];
  try {
    if (req.method === 'POST') {
      if (c.post && (await c.post(ctx)) !== false) return;
      return defaultPost(ctx);
    }
    if (req.method === 'GET') {
      if (c.get && (await c.get(ctx)) !== false) return;
      return res.writeHead(405, { allow: 'POST, DELETE' }).end();
    }
    if (req.method === 'DELETE') {
      if (c.del && (await c.del(ctx)) !== false) return;
      return res.writeHead(200).end();
    }
    return res.writeHead(405).end();
  } catch (e) {
    process.stderr.write(`broken-server: case ${name} threw: ${e?.stack ?? e}\n`);
    if (!res.headersSent) sendJson(res, 500, { error: String(e) });
    else res.destroy();
  }
}

function handleOther(req, res) {
  req.socket.on('error', () => {});
  const entry = { method: req.method, path: req.url, headers: req.headers, t: Date.now() - T0 };
  otherLog.push(entry);
  readBody(req).then((b) => {
    let id = null;
    try { id = JSON.parse(b.toString('utf8')).id ?? null; } catch {}
    sendJson(res, 200, ok(id, { content: [{ type: 'text', text: 'reached the other origin' }] }));
  });
}

// ---------------------------------------------------------------- lifetime
const main = http.createServer({ maxHeaderSize: 1024 * 1024 }, handleMain);
const other = http.createServer({ maxHeaderSize: 1024 * 1024 }, handleOther);
for (const srv of [main, other]) {
  srv.keepAliveTimeout = 30_000;
  srv.headersTimeout = 60_000;
  srv.requestTimeout = 0;
}
const exit = () => { process.exit(0); };
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
process.on('uncaughtException', (e) => { process.stderr.write(`broken-server: uncaught ${e?.stack ?? e}\n`); });

main.listen(port, '127.0.0.1', () => {
  mainPort = main.address().port;
  other.listen(0, '127.0.0.1', () => {
    otherPort = other.address().port;
    process.stdout.write(JSON.stringify({ port: mainPort, url: `${base()}/ok/mcp`, otherPort }) + '\n');
    // Exit when stdin reaches EOF (only if stdin is a pipe we can watch).
    try {
      process.stdin.on('end', exit);
      process.stdin.on('error', () => {});
      process.stdin.resume();
    } catch {}
  });
});
