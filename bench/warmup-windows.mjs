// Why bench/run.mjs warms each session up with 3000 untimed echoes: starts a
// fresh upstream and a fresh mcp-tether, makes 6000 sequential echo calls and
// prints p50 and p99 for each window of 500 calls. Run it twice, once with
// `--upstream-no-opt` (the upstream's optimising compilers off): if the early
// windows' tails shrink with the upstream's JIT off, they come from the
// upstream re-optimising, not from the bridge.
//
//   node bench/warmup-windows.mjs [--upstream-no-opt] [--bin PATH]
//
// A diagnostic that prints numbers; it passes or fails nothing.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const noOpt = argv.includes('--upstream-no-opt');
const binAt = argv.indexOf('--bin');
const bin = binAt >= 0 ? argv[binAt + 1] : path.join(BENCH_DIR, '..', 'target', 'release', 'mcp-tether');
const WINDOW = 500;
const WINDOWS = 12;

const upstream = spawn(process.execPath, [...(noOpt ? ['--no-opt', '--no-maglev'] : []), path.join(BENCH_DIR, 'upstream.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url } = await new Promise((resolve) => upstream.stdout.once('data', (d) => resolve(JSON.parse(d.toString()))));

const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-warmup-'));
const bridge = spawn(bin, [url], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, MCP_TETHER_CONFIG_DIR: configDir } });
const waiting = new Map();
let pending = '';
bridge.stdout.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const msg = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  }
});
let nextId = 0;
const request = (method, params) =>
  new Promise((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    bridge.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  });

await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'warmup-windows', version: '1' } });
bridge.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');

const at = (sorted, q) => sorted[Math.ceil(q * sorted.length) - 1];
const rows = [];
for (let w = 0; w < WINDOWS; w++) {
  const rtts = [];
  for (let i = 0; i < WINDOW; i++) {
    const t = process.hrtime.bigint();
    const resp = await request('tools/call', { name: 'echo', arguments: { text: `hello ${i}` } });
    rtts.push(Number(process.hrtime.bigint() - t) / 1e3);
    if (resp.result?.content?.[0]?.text !== `hello ${i}`) throw new Error(`echo ${i}: ${JSON.stringify(resp)}`);
  }
  rtts.sort((a, b) => a - b);
  rows.push(`| ${w * WINDOW + 1}–${(w + 1) * WINDOW} | ${at(rtts, 0.5).toFixed(0)} | ${at(rtts, 0.99).toFixed(0)} |`);
}
console.log(`upstream ${noOpt ? 'with --no-opt --no-maglev' : 'with default V8 flags'}; fresh upstream and bridge`);
console.log('| calls | p50 µs | p99 µs |\n| --- | ---: | ---: |');
console.log(rows.join('\n'));
bridge.stdin.end();
await new Promise((resolve) => bridge.once('exit', resolve));
upstream.kill();
fs.rmSync(configDir, { recursive: true, force: true });
