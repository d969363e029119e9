#!/usr/bin/env node
// Stand-in for mcp-tether, used to validate host.mjs and run.sh before the
// Rust relay exists: a stdio <-> Streamable HTTP bridge built from the MCP
// TypeScript SDK's transports (StdioServerTransport facing the host,
// StreamableHTTPClientTransport facing the server), relaying raw JSON-RPC
// messages both ways.
//
//   node tests/conformance/reference-bridge.mjs [ignored flags...] <url>
//
// Exits 0 once stdin reaches EOF and in-flight sends have settled.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The SDK lives in tests/lab/node_modules (not on this file's resolution path).
const labRequire = createRequire(new URL('../lab/package.json', import.meta.url));
const load = (spec) => import(pathToFileURL(labRequire.resolve(spec)).href);
const { StreamableHTTPClientTransport } = await load(
  '@modelcontextprotocol/sdk/client/streamableHttp.js',
);
const { StdioServerTransport } = await load('@modelcontextprotocol/sdk/server/stdio.js');

const log = (msg) => process.stderr.write(`[reference-bridge] ${msg}\n`);

const url = process.argv.slice(2).filter((a) => !a.startsWith('-')).pop();
if (!url) {
  log('usage: reference-bridge.mjs <url>');
  process.exit(2);
}

const http = new StreamableHTTPClientTransport(new URL(url));
const stdio = new StdioServerTransport();
const inFlight = new Set();
const initializeIds = new Set();

function isRequest(m) {
  return typeof m?.method === 'string' && m.id !== undefined && m.id !== null;
}

// Host -> server.
stdio.onmessage = (message) => {
  if (isRequest(message) && message.method === 'initialize') initializeIds.add(message.id);
  const p = http
    .send(message)
    .catch((err) => {
      log(`send ${message.method ?? 'response'} failed: ${err.message}`);
      if (isRequest(message)) {
        // Give the host an answer instead of leaving the request hanging.
        return stdio.send({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32603, message: `relay failed: ${err.message}` },
        });
      }
    })
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
};
stdio.onerror = (err) => log(`stdio error: ${err.message}`);

// Server -> host.
http.onmessage = (message) => {
  if (message.id !== undefined && initializeIds.has(message.id) && message.result) {
    initializeIds.delete(message.id);
    // Subsequent HTTP requests must carry MCP-Protocol-Version.
    if (message.result.protocolVersion) http.setProtocolVersion(message.result.protocolVersion);
  }
  stdio.send(message).catch((err) => log(`stdout write failed: ${err.message}`));
};
http.onerror = (err) => log(`http transport: ${err.message}`);

await http.start();
await stdio.start();

process.stdin.on('end', async () => {
  await Promise.allSettled([...inFlight]);
  if (http.sessionId) {
    await Promise.race([
      http.terminateSession().catch((err) => log(`DELETE session failed: ${err.message}`)),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
  }
  await http.close().catch(() => {});
  await stdio.close().catch(() => {});
  process.exit(0);
});
