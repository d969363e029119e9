// A scripted user agent for authorization servers that approve at once (no
// login or consent page: FastMCP's InMemoryOAuthProvider, the MCP SDK's demo
// provider, an auto-approving Cloudflare Worker). It GETs the URL and follows
// every redirect, as a browser would, until the loopback callback answers.
//
//   BROWSER=tests/lab/follow-browser.sh mcp-tether URL
//
// When LAB_BROWSER_LOG is set, each invocation appends one line to that file
// (the URL and the final status), so tests can count how often a person would
// have been sent to the browser.

import { appendFileSync } from 'node:fs';

const url = process.argv[process.argv.length - 1];
let status = 'error';
try {
  const res = await fetch(url, { redirect: 'follow' });
  status = String(res.status);
  await res.arrayBuffer();
} catch (e) {
  status = `error: ${e.message}`;
}
if (process.env.LAB_BROWSER_LOG) {
  appendFileSync(process.env.LAB_BROWSER_LOG, `${status} ${url}\n`);
}
process.exit(status.startsWith('2') ? 0 : 1);
