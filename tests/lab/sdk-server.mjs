// A real MCP server for the mcp-tether lab, built on the official TypeScript
// SDK: McpServer + StreamableHTTPServerTransport, stateful (one transport and
// one McpServer per session), with an in-memory EventStore so resumption via
// Last-Event-ID works.
//
//   node sdk-server.mjs [--port N] [--json-response] [--retry-ms N] [--tls-dir DIR]
//                       [--sticky-cookie]
//
// --tls-dir DIR    serve https with DIR/server.crt and DIR/server.key (made by
//                  make-certs.sh); the announced URL is then https://127.0.0.1:N/mcp
// --json-response  enableJsonResponse: POST answers are plain application/json
// --retry-ms N     SSE `retry:` value the SDK puts in its priming events
// --sticky-cookie  plays a load balancer with cookie stickiness in front of the
//                  SDK (this part is hand-made): every /mcp response sets
//                  `lb-node=n1`, and a request for a session that does not
//                  send it back is answered 404 "session not found", as the
//                  node it would have landed on would answer
//
// See README.md for tools and /_lab control endpoints.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createMcpEndpoint } from './sdk-tools.mjs';
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

const NAME = 'sdk-server';
const args = parseArgs(process.argv.slice(2), ['tls-dir']);
const tlsDir = args.values['tls-dir'];
const jsonResponse = args.flags.has('json-response');
const retryInterval = args.values['retry-ms'];
const stickyCookie = args.flags.has('sticky-cookie');
for (const f of args.flags) {
  if (f !== 'json-response' && f !== 'sticky-cookie') {
    process.stderr.write(`unknown flag --${f}\n`);
    process.exit(2);
  }
}

const requestLog = new RequestLog();
const mcp = createMcpEndpoint({ name: NAME, requestLog, jsonResponse, retryInterval });
const handleMcp = mcp.handle;
const closeAllSessions = mcp.closeAllSessions;
const labExtras = mcp.labExtras;

const handler = async (req, res) => {
  try {
    if (await handleLabControl(req, res, requestLog, labExtras)) return;
    const path = req.url.split('?')[0];
    if (path === '/mcp') {
      if (stickyCookie) {
        const sticky = /(^|;\s*)lb-node=n1(;|$)/.test(req.headers.cookie ?? '');
        if (req.headers['mcp-session-id'] && !sticky) {
          requestLog.add(req, tryParseJson(await readBody(req).catch(() => undefined)), res);
          sendJson(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found (another node)' } });
          return;
        }
        res.setHeader('set-cookie', 'lb-node=n1; Path=/; HttpOnly');
      }
      await handleMcp(req, res);
      return;
    }
    requestLog.add(req, tryParseJson(await readBody(req).catch(() => undefined)), res);
    sendJson(res, 404, { error: 'not found' });
  } catch (e) {
    log(NAME, `error handling ${req.method} ${req.url}: ${e.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: String(e.message ?? e) });
    else res.end();
  }
};

const httpServer = tlsDir
  ? https.createServer(
      { cert: fs.readFileSync(`${tlsDir}/server.crt`), key: fs.readFileSync(`${tlsDir}/server.key`) },
      handler,
    )
  : http.createServer(handler);

listenAndAnnounce(httpServer, {
  name: NAME,
  port: args.port,
  urlPath: '/mcp',
  onShutdown: closeAllSessions,
  announce: tlsDir ? (port) => ({ port, url: `https://127.0.0.1:${port}/mcp` }) : undefined,
});
