// The MCP TypeScript SDK's own example server with its demo authorization
// server, run unmodified: `simpleStreamableHttp.js --oauth` from the pinned
// @modelcontextprotocol/sdk (its DemoInMemoryAuthProvider approves at once and
// keeps clients in memory). This wrapper only gives it the lab contract:
//
//   node sdk-oauth-server.mjs [--port N] [--auth-port M]
//
// * picks free ports (or takes the given ones, to restart on the same ports),
//   sets MCP_PORT / MCP_AUTH_PORT, and imports the example in this process;
// * counts the OAuth requests it serves (by watching every node:http server's
//   'request' events) and serves them at GET /_lab/counters on a third port:
//   {"registrations","authorizations","token_requests":[{grant_type,...}]};
// * prints one line: {"port","url","authPort","labPort"} once both listen;
// * exits on SIGTERM/SIGINT or stdin EOF.

import http from 'node:http';
import net from 'node:net';
import { parseArgs } from './lab-common.mjs';

const args = parseArgs(process.argv.slice(2), ['port', 'auth-port']);
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const mcpPort = Number(args.values.port ?? 0) || (await freePort());
const authPort = Number(args.values['auth-port'] ?? 0) || (await freePort());

const counters = { registrations: 0, authorizations: 0, token_requests: [] };
const labServer = http.createServer((req, res) => {
  if (req.url === '/_lab/counters') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counters));
  } else {
    res.writeHead(404).end();
  }
});

// Count what reaches the example's two apps, without touching their code.
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && this !== labServer) {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/register' && req.method === 'POST') counters.registrations += 1;
    if (path === '/authorize') counters.authorizations += 1;
    if (path === '/token' && req.method === 'POST') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        counters.token_requests.push({
          grant_type: form.get('grant_type'),
          client_id_in_body: form.has('client_id'),
          basic_auth: (req.headers.authorization ?? '').startsWith('Basic '),
          status: null,
        });
        const entry = counters.token_requests.at(-1);
        res.on('finish', () => {
          entry.status = res.statusCode;
        });
      });
    }
  }
  return emit.apply(this, arguments);
};

process.env.MCP_PORT = String(mcpPort);
process.env.MCP_AUTH_PORT = String(authPort);
// The example logs to stdout; the lab contract keeps stdout for one line.
console.log = (...a) => process.stderr.write(`[sdk-oauth] ${a.join(' ')}\n`);
process.argv.push('--oauth');
await import('@modelcontextprotocol/sdk/examples/server/simpleStreamableHttp.js').catch(async () =>
  import('../lab/node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/simpleStreamableHttp.js'),
);

const answers = async (port) => {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
};
await answers(mcpPort);
await answers(authPort);
labServer.listen(0, '127.0.0.1', () => {
  const labPort = labServer.address().port;
  process.stdout.write(
    JSON.stringify({ port: labPort, url: `http://localhost:${mcpPort}/mcp`, mcpPort, authPort, labPort }) + '\n',
  );
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (!process.stdin.isTTY) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
