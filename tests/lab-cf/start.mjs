// Starts the Cloudflare lab Worker (worker.js) with `wrangler dev` in local mode and announces it
// with the lab's common contract (tests/lab/README.md, "Common contract"):
//
//   node tests/lab-cf/start.mjs [--port N]
//
// * --port 0 (the default) picks a free port. Binds 127.0.0.1 only.
// * When the Worker answers HTTP, prints exactly one line to stdout:
//     {"port":N,"url":"http://127.0.0.1:N/mcp","issuer":"http://127.0.0.1:N"}
//   Everything else (wrangler's output too) goes to stderr.
// * Exits with 0 on SIGTERM, SIGINT, or EOF on stdin (unless stdin is /dev/null or absent), and
//   takes the whole wrangler/workerd process group with it.
// * An unknown argument exits with code 2.
//
// Offline: no Cloudflare login (a private, empty XDG_CONFIG_HOME), no metrics, no update check
// (the banner is hidden), no request.cf download (CLOUDFLARE_CF_FETCH_ENABLED=false), and a private
// persist dir, so every start has an empty KV (no clients, grants or tokens).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const log = (...a) => process.stderr.write(`[lab-cf] ${a.join(' ')}\n`);
const READY_TIMEOUT_MS = Number(process.env.LAB_CF_READY_TIMEOUT_MS || 90_000);

// ---- arguments
let port = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--port' && i + 1 < argv.length) port = Number(argv[++i]);
  else if (a.startsWith('--port=')) port = Number(a.slice(7));
  else {
    log(`unknown argument: ${a}`);
    process.exit(2);
  }
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log('--port needs a number 0..65535');
  process.exit(2);
}

const wranglerBin = path.join(HERE, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
if (!fs.existsSync(wranglerBin)) {
  log(`${wranglerBin} is missing: run \`npm ci --prefix tests/lab-cf\` first`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const t0 = performance.now();
if (port === 0) port = await freePort();
// wrangler's inspector defaults to 127.0.0.1:9229, so two labs started at the same time race for it
// and one dies ("Address already in use"). Give every lab its own.
const inspectorPort = await freePort();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-lab-cf-'));
const env = {
  ...process.env,
  CI: 'true',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true', // the banner is what runs the npm update check
  CLOUDFLARE_CF_FETCH_ENABLED: 'false', // miniflare would fetch https://workers.cloudflare.com/cf.json
  XDG_CONFIG_HOME: path.join(tmp, 'config'), // no login/OAuth state, no metrics/config files of the user
  WRANGLER_REGISTRY_PATH: path.join(tmp, 'registry'), // private dev registry (no cross-talk between labs)
  WRANGLER_LOG_PATH: path.join(tmp, 'logs'),
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
for (const k of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_EMAIL']) delete env[k];

const args = [
  wranglerBin, 'dev',
  '--config', path.join(HERE, 'wrangler.jsonc'),
  '--local',
  '--ip', '127.0.0.1',
  '--port', String(port),
  '--inspector-ip', '127.0.0.1',
  '--inspector-port', String(inspectorPort),
  '--persist-to', path.join(tmp, 'state'),
  '--show-interactive-dev-session=false',
  '--live-reload=false',
  '--log-level', process.env.LAB_CF_LOG_LEVEL || 'info',
];
const child = spawn(process.execPath, args, {
  cwd: HERE,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true, // own process group: wrangler + workerd die together
});
child.stdout.pipe(process.stderr, { end: false });
child.stderr.pipe(process.stderr, { end: false });

let stopping = false;
function killTree(sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}
function cleanupTmp() {
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch {
    // best effort
  }
}
function shutdown(why, code = 0) {
  if (stopping) return;
  stopping = true;
  log(`shutting down (${why})`);
  killTree('SIGTERM');
  const hard = setTimeout(() => {
    killTree('SIGKILL');
    cleanupTmp();
    process.exit(code);
  }, 3000);
  child.once('exit', () => {
    clearTimeout(hard);
    killTree('SIGKILL'); // stragglers in the group (workerd)
    cleanupTmp();
    process.exit(code);
  });
  if (child.exitCode !== null || child.signalCode !== null) child.emit('exit');
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('exit', () => killTree('SIGKILL'));
process.stdout.on('error', () => {});

child.on('exit', (code, signal) => {
  if (stopping) return;
  log(`wrangler exited early (code ${code}, signal ${signal}); its logs are kept in ${tmp}/logs`);
  stopping = true;
  killTree('SIGKILL');
  process.exit(1);
});

let watchStdin = true;
try {
  const st = fs.fstatSync(0);
  if (st.isCharacterDevice() && !tty.isatty(0)) watchStdin = false;
} catch {
  watchStdin = false;
}
if (watchStdin) {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
} else {
  log('stdin is /dev/null or absent: not watching it for EOF');
}

// ---- wait until the Worker (not just wrangler's proxy) answers
const origin = `http://127.0.0.1:${port}`;
const deadline = Date.now() + READY_TIMEOUT_MS;
for (;;) {
  if (stopping) await new Promise(() => {});
  try {
    const r = await fetch(`${origin}/_lab/health`, { signal: AbortSignal.timeout(2000) });
    const body = await r.json().catch(() => null);
    if (r.status === 200 && body?.ok === true) break;
  } catch {
    // not up yet
  }
  if (Date.now() > deadline) {
    log(`the Worker did not answer within ${READY_TIMEOUT_MS} ms`);
    shutdown('start-up timeout', 1);
    await new Promise(() => {});
  }
  await new Promise((r) => setTimeout(r, 100));
}
log(`ready in ${Math.round(performance.now() - t0)} ms (wrangler pid ${child.pid}, state ${tmp})`);
process.stdout.write(JSON.stringify({ port, url: `${origin}/mcp`, issuer: origin }) + '\n');
