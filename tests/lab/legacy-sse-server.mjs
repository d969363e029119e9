// A real legacy (protocol 2024-11-05) HTTP+SSE MCP server for the mcp-tether
// lab, built on the official SDK's SSEServerTransport.
//
//   node legacy-sse-server.mjs [--port N]
//
// GET  /sse                       opens the stream; first event is `endpoint`
//                                 with data `/messages?sessionId=<id>`
// POST /messages?sessionId=<id>   delivers a client message (202 Accepted);
//                                 the answer arrives on the GET /sse stream
// POST /sse                       405 (this is NOT a Streamable HTTP endpoint;
//                                 a bridge probes it first and falls back)
//
// Tool: echo {text}. Control endpoints: see README.md.

import http from 'node:http';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
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

const NAME = 'legacy-sse-server';
const args = parseArgs();
if (args.flags.size || Object.keys(args.values).length) {
  process.stderr.write('usage: node legacy-sse-server.mjs [--port N]\n');
  process.exit(2);
}

function buildServer() {
  const server = new McpServer({ name: 'mcp-tether-lab-legacy-sse', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its text argument.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

/** sessionId -> { transport, server } */
const sessions = new Map();
const requestLog = new RequestLog();

async function closeAllSessions() {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(
    all.map(async ({ transport, server }) => {
      await transport.close().catch(() => {});
      await server.close().catch(() => {});
    }),
  );
  return all.length;
}

const labExtras = {
  'POST /_lab/expire-sessions': async () => ({ ok: true, expired: await closeAllSessions() }),
  'GET /_lab/sessions': async () => ({ sessions: [...sessions.keys()] }),
};

const httpServer = http.createServer(async (req, res) => {
  try {
    if (await handleLabControl(req, res, requestLog, labExtras)) return;
    const url = new URL(req.url, 'http://127.0.0.1');

    if (url.pathname === '/sse' && req.method === 'GET') {
      requestLog.add(req, undefined, res);
      const transport = new SSEServerTransport('/messages', res);
      const server = buildServer();
      const id = transport.sessionId;
      sessions.set(id, { transport, server });
      transport.onclose = () => {
        sessions.delete(id);
        log(NAME, `session ${id} closed`);
      };
      transport.onerror = (e) => log(NAME, `transport error: ${e.message}`);
      await server.connect(transport); // start() writes headers + endpoint event
      log(NAME, `session ${id} opened`);
      return;
    }

    const raw = await readBody(req).catch(() => undefined);
    const body = tryParseJson(raw);
    requestLog.add(req, body, res);

    if (url.pathname === '/sse') {
      // Deliberately not MCP: a Streamable-HTTP-first client POSTs here,
      // gets this, and falls back to GET /sse.
      sendJson(res, 405, { error: 'method not allowed; this is a legacy HTTP+SSE endpoint, use GET' }, { allow: 'GET' });
      return;
    }

    if (url.pathname === '/messages' && req.method === 'POST') {
      const id = url.searchParams.get('sessionId');
      const s = id ? sessions.get(id) : undefined;
      if (!s) {
        sendJson(res, 404, { error: `unknown session ${id}` });
        return;
      }
      if (body === undefined) {
        sendJson(res, 400, { error: 'invalid JSON body' });
        return;
      }
      await s.transport.handlePostMessage(req, res, body);
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
  urlPath: '/sse',
  onShutdown: closeAllSessions,
});
