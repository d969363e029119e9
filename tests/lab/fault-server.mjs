// HAND-MADE FAKE MCP server for the mcp-tether lab.
//
// This is NOT a real MCP implementation. It exists only for the behaviours a
// real server (see sdk-server.mjs) cannot be made to show on demand: streams
// dropped mid-response, injected HTTP 500s, sessions that expire at a chosen
// moment, calls that never answer, standalone streams that end and must be
// resumed. It speaks just enough Streamable HTTP JSON-RPC by hand (node:http,
// no SDK) for a client to initialize and call the `echo` tool.
//
//   node fault-server.mjs [--port N]
//
// Modes are chosen by URL path: /<mode>/mcp, and /mcp is the same as /ok/mcp.
//   ok          normal
//   drop        tools/call: SSE priming event (id e1, retry 300) + one
//               notifications/message, then the socket is destroyed before
//               the response; GET with Last-Event-ID: e1 gets the response
//               (id e2) and the stream ends
//   status500   initialize works; every tools/call gets HTTP 500 text/plain
//   session404  first initialize issues session s1; the 2nd tools/call on s1
//               gets 404 and s1 is forgotten; the next initialize issues s2,
//               which works
//   slow        tools/call never answers
//   getdrop     GET stream: event id g1 (retry 200) carrying a
//               notifications/message, then the stream ends; a GET with
//               Last-Event-ID: g1 gets a second notification (id g2) and the
//               stream stays open
//   burst500    URL /burst500-N/mcp: initialize works; the first N requests
//               (JSON-RPC messages with an id, other than initialize) on each
//               session get HTTP 500 text/plain; later ones work as in `ok`
// DELETE answers 200 in every mode. See README.md for /_lab endpoints.

import http from 'node:http';
import {
  parseArgs,
  log,
  RequestLog,
  readBody,
  tryParseJson,
  sendJson,
  handleLabControl,
  listenAndAnnounce,
} from './lab-common.mjs';

const NAME = 'fault-server';
const args = parseArgs();
if (args.flags.size || Object.keys(args.values).length) {
  process.stderr.write('usage: node fault-server.mjs [--port N]\n');
  process.exit(2);
}

const PROTOCOL_VERSION = '2025-11-25';
const MODES = ['ok', 'drop', 'status500', 'session404', 'slow', 'getdrop', 'burst500'];
const DROP_RETRY_MS = 300;
const GETDROP_RETRY_MS = 200;

const requestLog = new RequestLog();

/** Per-mode state: sessions and counters. */
function freshState() {
  const s = {};
  for (const m of MODES) s[m] = { nextSession: 1, initializes: 0, sessions: new Map() };
  return s;
}
let state = freshState();
/** Responses held open forever by `slow` mode (so reset/shutdown can end them). */
const hanging = new Set();

function newSession(mode, burst = 0) {
  const st = state[mode];
  const id = `s${st.nextSession++}`;
  st.initializes++;
  const sess = {
    id,
    calls: 0,
    drops: 0,
    pendingDrops: new Map(), // priming event id -> { responseEventId, message, droppedAt }
    getDropClosedAt: undefined,
    burstLeft: burst, // burst500: requests still to be answered 500
  };
  st.sessions.set(id, sess);
  return sess;
}

const rpcResult = (id, result) => ({ jsonrpc: '2.0', id, result });
const rpcError = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });
const notification = (data) => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { level: 'info', logger: 'fault-server', data },
});

function sseHeaders(sessionId) {
  const h = {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  };
  if (sessionId) h['mcp-session-id'] = sessionId;
  return h;
}

function sseEvent({ id, retry, data }) {
  let s = '';
  if (id !== undefined) s += `id: ${id}\n`;
  if (retry !== undefined) s += `retry: ${retry}\n`;
  if (data === undefined || data === '') s += 'data: \n';
  else s += `event: message\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n`;
  return s + '\n';
}

const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns its text argument.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};

function callTool(msg) {
  const p = msg.params ?? {};
  if (p.name !== 'echo') return rpcError(msg.id, -32602, `Unknown tool: ${p.name}`);
  const text = p.arguments?.text;
  if (typeof text !== 'string') return rpcError(msg.id, -32602, 'echo needs a string argument "text"');
  return rpcResult(msg.id, { content: [{ type: 'text', text }] });
}

/** Look the session up; answers 400/404 itself and returns undefined on failure. */
function requireSession(mode, req, res, id) {
  const sid = req.headers['mcp-session-id'];
  if (sid === undefined) {
    sendJson(res, 400, rpcError(id ?? null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
    return undefined;
  }
  const sess = state[mode].sessions.get(sid);
  if (!sess) {
    sendJson(res, 404, rpcError(id ?? null, -32001, 'Session not found'));
    return undefined;
  }
  return sess;
}

async function handlePost(mode, req, res, entry, msg, burst) {
  if (msg === undefined) {
    sendJson(res, 400, rpcError(null, -32700, 'Parse error'));
    return;
  }
  if (Array.isArray(msg) || typeof msg !== 'object' || msg === null) {
    sendJson(res, 400, rpcError(null, -32600, 'Invalid Request: one JSON-RPC object per POST'));
    return;
  }

  const isRequest = typeof msg.method === 'string' && msg.id !== undefined && msg.id !== null;
  const isNotification = typeof msg.method === 'string' && (msg.id === undefined || msg.id === null);

  if (isRequest && msg.method === 'initialize') {
    const sess = newSession(mode, burst);
    log(NAME, `[${mode}] initialize -> session ${sess.id}`);
    sendJson(
      res,
      200,
      rpcResult(msg.id, {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: { tools: {}, logging: {} },
        serverInfo: { name: `mcp-tether-lab-fault-${mode}`, version: '1.0.0' },
        instructions: `hand-made fault server, mode ${mode}`,
      }),
      { 'mcp-session-id': sess.id },
    );
    return;
  }

  const sess = requireSession(mode, req, res, isRequest ? msg.id : null);
  if (!sess) return;

  if (!isRequest) {
    // notifications and client responses (answers to nothing we asked)
    res.writeHead(202, { 'mcp-session-id': sess.id });
    res.end();
    if (!isNotification) log(NAME, `[${mode}] unexpected client response id=${msg.id}`);
    return;
  }

  if (mode === 'burst500' && sess.burstLeft > 0) {
    sess.burstLeft--;
    const body = `lab fault-server: injected internal error (burst, ${sess.burstLeft} left)\n`;
    entry.extra = { burst500: true, left: sess.burstLeft };
    res.writeHead(500, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }

  switch (msg.method) {
    case 'ping':
      sendJson(res, 200, rpcResult(msg.id, {}), { 'mcp-session-id': sess.id });
      return;
    case 'tools/list':
      sendJson(res, 200, rpcResult(msg.id, { tools: [ECHO_TOOL] }), { 'mcp-session-id': sess.id });
      return;
    case 'tools/call':
      break;
    default:
      sendJson(res, 200, rpcError(msg.id, -32601, `Method not found: ${msg.method}`), {
        'mcp-session-id': sess.id,
      });
      return;
  }

  sess.calls++;
  switch (mode) {
    case 'ok':
    case 'getdrop':
    case 'burst500':
      sendJson(res, 200, callTool(msg), { 'mcp-session-id': sess.id });
      return;

    case 'status500': {
      const body = 'lab fault-server: injected internal error\n';
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }

    case 'session404':
      if (sess.id === 's1' && sess.calls >= 2) {
        state[mode].sessions.delete(sess.id);
        log(NAME, `[${mode}] session s1 expired on call ${sess.calls}`);
        sendJson(res, 404, rpcError(msg.id, -32001, 'Session not found'));
        return;
      }
      sendJson(res, 200, callTool(msg), { 'mcp-session-id': sess.id });
      return;

    case 'slow':
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      log(NAME, `[${mode}] tools/call id=${msg.id} will never be answered`);
      return;

    case 'drop': {
      sess.drops++;
      const primingId = `e${2 * sess.drops - 1}`;
      const responseId = `e${2 * sess.drops}`;
      const pending = { responseEventId: responseId, message: callTool(msg), droppedAt: undefined };
      sess.pendingDrops.set(primingId, pending);
      res.writeHead(200, sseHeaders(sess.id));
      res.write(sseEvent({ id: primingId, retry: DROP_RETRY_MS, data: '' }));
      res.write(sseEvent({ data: notification(`call ${msg.id} accepted; stream will drop`) }));
      setTimeout(() => {
        pending.droppedAt = Date.now();
        entry.extra = { dropped: true, primingEventId: primingId, droppedAt: pending.droppedAt };
        log(NAME, `[${mode}] dropping socket of call id=${msg.id} after ${primingId}`);
        res.socket?.destroy();
      }, 50);
      return;
    }
  }
}

function handleGet(mode, req, res, entry) {
  const sess = requireSession(mode, req, res, null);
  if (!sess) return;
  const lastEventId = req.headers['last-event-id'];

  if (mode === 'drop') {
    if (lastEventId === undefined) {
      sendJson(res, 405, { error: 'no standalone stream in drop mode' }, { allow: 'POST, DELETE' });
      return;
    }
    const pending = sess.pendingDrops.get(lastEventId);
    if (!pending) {
      sendJson(res, 400, rpcError(null, -32000, `unknown Last-Event-ID ${lastEventId}`));
      return;
    }
    sess.pendingDrops.delete(lastEventId);
    const sinceDropMs = pending.droppedAt === undefined ? null : Date.now() - pending.droppedAt;
    entry.extra = { resumedFrom: lastEventId, sinceDropMs, retryMs: DROP_RETRY_MS };
    log(NAME, `[${mode}] resume from ${lastEventId} after ${sinceDropMs} ms`);
    res.writeHead(200, sseHeaders(sess.id));
    res.end(sseEvent({ id: pending.responseEventId, data: pending.message }));
    return;
  }

  if (mode === 'getdrop') {
    if (lastEventId === undefined) {
      res.writeHead(200, sseHeaders(sess.id));
      res.write(sseEvent({ id: 'g1', retry: GETDROP_RETRY_MS, data: notification('first (g1)') }));
      setTimeout(() => {
        sess.getDropClosedAt = Date.now();
        entry.extra = { closedAfter: 'g1', closedAt: sess.getDropClosedAt };
        res.end();
      }, 50);
      return;
    }
    if (lastEventId === 'g1' || lastEventId === 'g2') {
      const sinceDropMs = sess.getDropClosedAt === undefined ? null : Date.now() - sess.getDropClosedAt;
      entry.extra = { resumedFrom: lastEventId, sinceDropMs, retryMs: GETDROP_RETRY_MS };
      res.writeHead(200, sseHeaders(sess.id));
      if (lastEventId === 'g1') res.write(sseEvent({ id: 'g2', data: notification('second (g2)') }));
      else res.flushHeaders();
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return; // stays open
    }
    sendJson(res, 400, rpcError(null, -32000, `unknown Last-Event-ID ${lastEventId}`));
    return;
  }

  sendJson(res, 405, { error: `no standalone stream in ${mode} mode` }, { allow: 'POST, DELETE' });
}

const labExtras = {
  'GET /_lab/state': async () => {
    const out = {};
    for (const m of MODES) {
      out[m] = { initializes: state[m].initializes, sessions: [...state[m].sessions.keys()] };
    }
    return out;
  },
  'POST /_lab/reset-state': async () => {
    state = freshState();
    for (const r of hanging) r.destroy();
    hanging.clear();
    return { ok: true };
  },
};

/** The mode for a path, and the burst length for /burst500-N/mcp. */
function modeOf(pathname) {
  if (pathname === '/mcp') return { mode: 'ok', burst: 0 };
  const b = /^\/burst500-(\d+)\/mcp$/.exec(pathname);
  if (b) return { mode: 'burst500', burst: Number(b[1]) };
  const m = /^\/([a-z0-9]+)\/mcp$/.exec(pathname);
  return m && MODES.includes(m[1]) && m[1] !== 'burst500' ? { mode: m[1], burst: 0 } : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (await handleLabControl(req, res, requestLog, labExtras)) return;
    const raw = await readBody(req).catch(() => undefined);
    const body = tryParseJson(raw);
    const entry = requestLog.add(req, body, res);
    const route = modeOf(new URL(req.url, 'http://127.0.0.1').pathname);
    if (!route) {
      const paths = MODES.map((m) => (m === 'burst500' ? '/burst500-N/mcp' : `/${m}/mcp`));
      sendJson(res, 404, { error: `not found; modes: ${paths.join(' ')}` });
      return;
    }
    const { mode, burst } = route;
    switch (req.method) {
      case 'POST':
        await handlePost(mode, req, res, entry, body, burst);
        return;
      case 'GET':
        handleGet(mode, req, res, entry);
        return;
      case 'DELETE': {
        const sid = req.headers['mcp-session-id'];
        if (sid !== undefined) state[mode].sessions.delete(sid);
        res.writeHead(200);
        res.end();
        return;
      }
      default:
        sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, POST, DELETE' });
    }
  } catch (e) {
    log(NAME, `error handling ${req.method} ${req.url}: ${e.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: String(e.message ?? e) });
    else res.end();
  }
});

listenAndAnnounce(httpServer, {
  name: NAME,
  port: args.port,
  urlPath: '/mcp',
  onShutdown: () => {
    for (const r of hanging) r.destroy();
  },
});
