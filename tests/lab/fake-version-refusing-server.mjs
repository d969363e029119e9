// A hand-made FAKE MCP 2026-07-28 server, for the one thing no real SDK server
// can be made to do: refuse a request's protocol version with -32022
// UnsupportedProtocolVersion (SEP-2575) although it serves that version (the
// conformance suite's request-metadata scenario does the same, to see the
// client retry). Everything else is the minimum of 2026-07-28.
//
//   node fake-version-refusing-server.mjs [--port N]
//
// * The FIRST request of each method (server/discover, tools/call, …) is
//   refused: HTTP 400, {"code":-32022,"data":{"supported":["2026-07-28"],"requested":…}}.
//   Later requests of that method are served.
// * tools/call of the tool `from_the_future` is always refused, with
//   supported: ["2099-01-01"]: no version in common.
// * server/discover → supportedVersions ["2026-07-28"]; tools/list → the tool
//   `echo`; tools/call echo → its `text`. Every result has resultType complete.
// * GET/DELETE → 405 (no sessions in 2026-07-28). GET /_lab/log as every lab server.

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

const NAME = 'fake-version-refusing-server';
const VERSION = '2026-07-28';
const args = parseArgs(process.argv.slice(2));
for (const f of args.flags) {
  process.stderr.write(`unknown flag --${f}\n`);
  process.exit(2);
}

const requestLog = new RequestLog();
const refusedOnce = new Set();

function refuse(res, msg, supported) {
  const requested =
    msg.params?._meta?.['io.modelcontextprotocol/protocolVersion'] ?? null;
  sendJson(res, 400, {
    jsonrpc: '2.0',
    id: msg.id ?? null,
    error: { code: -32022, message: 'Unsupported protocol version', data: { supported, requested } },
  });
}

function result(res, msg, value) {
  sendJson(res, 200, { jsonrpc: '2.0', id: msg.id, result: { resultType: 'complete', ...value } });
}

const handler = async (req, res) => {
  if (await handleLabControl(req, res, requestLog)) return;
  const body = tryParseJson(await readBody(req).catch(() => undefined));
  requestLog.add(req, body, res);
  if (req.url.split('?')[0] !== '/mcp') return sendJson(res, 404, { error: 'not found' });
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' });
    return res.end();
  }
  const msg = body ?? {};
  if (msg.id === undefined) {
    res.writeHead(202);
    return res.end();
  }
  if (msg.method === 'tools/call' && msg.params?.name === 'from_the_future') {
    return refuse(res, msg, ['2099-01-01']);
  }
  if (!refusedOnce.has(msg.method)) {
    refusedOnce.add(msg.method);
    return refuse(res, msg, [VERSION]);
  }
  switch (msg.method) {
    case 'server/discover':
      return result(res, msg, {
        supportedVersions: [VERSION],
        capabilities: { tools: {} },
        ttlMs: 0,
        cacheScope: 'private',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: NAME, version: '0.0.1' } },
      });
    case 'tools/list':
      return result(res, msg, {
        tools: [
          { name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
        ],
      });
    case 'tools/call':
      return result(res, msg, {
        content: [{ type: 'text', text: String(msg.params?.arguments?.text ?? '') }],
      });
    default:
      return sendJson(res, 404, {
        jsonrpc: '2.0',
        id: msg.id,
        error: { code: -32601, message: `Method not found: ${msg.method}` },
      });
  }
};

listenAndAnnounce(
  http.createServer((req, res) =>
    handler(req, res).catch((e) => {
      log(NAME, `error: ${e.stack ?? e}`);
      if (!res.headersSent) sendJson(res, 500, { error: String(e) });
    }),
  ),
  { name: NAME, port: args.port, urlPath: '/mcp' },
);
