#!/usr/bin/env node
// Benchmark: mcp-tether vs mcp-remote vs a direct in-process HTTP client, against one upstream.
// Prints numbers, never pass/fail.
//
//   node bench/run.mjs [--reps 3] [--quick] [--only direct,tether,remote] [--get sse|405]
//
// See bench/README.md for what each metric means.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { payload } from './upstream.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const TETHER_BIN = path.join(ROOT, 'target', 'release', 'mcp-tether');
const REMOTE_PKG = path.join(BENCH_DIR, 'node_modules', 'mcp-remote');
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { reps: 3, quick: false, only: null, get: 'sse' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') o.reps = Math.max(1, Number(argv[++i]) | 0);
    else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i].split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--get') o.get = argv[++i];
    else if (a === '--no-build') o.noBuild = true;
    else if (a === '--warmup') o.warmup = Math.max(0, Number(argv[++i]) | 0);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/run.mjs [--reps N] [--quick] [--only direct,tether,remote] [--get sse|405] [--warmup N] [--no-build]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  const alias = { 'mcp-tether': 'tether', 'mcp-remote': 'remote' };
  if (o.only) o.only = o.only.map((s) => alias[s] || s);
  for (const c of o.only || []) {
    if (!['direct', 'tether', 'remote'].includes(c)) {
      console.error(`--only: unknown client ${c} (direct, tether, remote)`);
      process.exit(2);
    }
  }
  if (o.quick && !argv.includes('--reps')) o.reps = 1;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const P = opts.quick
  ? { coldSpawns: 3, warmup: 50, seqCalls: 200, pipelined: 200, progress: 200, flood: 1000 }
  : { coldSpawns: 10, warmup: 3000, seqCalls: 2000, pipelined: 2000, progress: 1000, flood: 10_000 };
// 3000 untimed echoes per session before the timed ones: the upstream's V8
// re-optimises for about a second of traffic after each new session, and its
// compiler threads compete for the 2 cores (docs/performance.md, "p99, the warm-up").
if (opts.warmup !== undefined) P.warmup = opts.warmup;
P.bytesSizes = [1_000_000, 10_000_000];
// Per rep, for each client: a spawn through npx costs ~0.3 s of npm, and mcp-remote's takes
// ~1 s more to exit after stdin EOF, waited out before the next spawn.
P.npxSpawns = 2;
P.authSamples = opts.quick ? 2 : 7; // per rep, each of: valid stored token, stale token + refresh
// Sequential calls of the bearer / DPoP auth CPU sessions: CPU time comes in clock ticks
// (10 ms at CLK_TCK 100), so 5000 calls resolve 2 µs per call (2000: 5 µs).
P.authSeqCalls = opts.quick ? P.seqCalls : 5000;
const CLIENTS = ['direct', 'tether', 'remote'].filter((c) => !opts.only || opts.only.includes(c));
const LABEL = { direct: 'direct', tether: 'mcp-tether', remote: 'mcp-remote' };

// A full collection of the harness's own heap before each timed phase, so the
// garbage of the phase before (10 MB payloads, another client's session) is not
// collected in the middle of the next one and charged to whichever client runs.
v8.setFlagsFromString('--expose-gc');
const collectHarnessGarbage = vm.runInNewContext('gc');

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------- /proc

function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => {
      const m = s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'));
      return m ? Number(m[1]) : null;
    };
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return { rssKb: null, hwmKb: null };
  }
}

// utime + stime of one process, in ms.
function procCpuMs(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after ")" start at field 3 (state); utime is field 14, stime 15.
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

// Machine-wide busy CPU time (ms), from /proc/stat.
function machineBusyMs() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // irq/softirq (much of it our own loopback traffic) and steal are left out.
    const [user, nice, system] = f;
    return ((user + nice + system) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

// This process + its reaped children (the bridges), in ms.
function selfAndChildrenCpuMs() {
  try {
    const s = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- SSE parsing

class SseParser {
  constructor(onData) {
    this.buf = '';
    this.onData = onData;
  }
  push(text) {
    this.buf += text;
    let idx;
    while ((idx = this.nextBoundary()) !== -1) {
      const block = this.buf.slice(0, idx.start);
      this.buf = this.buf.slice(idx.end);
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
      if (data.length) this.onData(data.join('\n'));
    }
  }
  nextBoundary() {
    const m = /\r?\n\r?\n/.exec(this.buf);
    return m ? { start: m.index, end: m.index + m[0].length } : -1;
  }
}

// ---------------------------------------------------------------- clients

// Shared request/response bookkeeping: a "host" talking JSON-RPC to something.
class Peer {
  constructor() {
    this.nextId = 1;
    this.pending = new Map();
    this.onNotification = null;
  }
  deliver(msg) {
    if (Array.isArray(msg)) return msg.forEach((m) => this.deliver(m));
    if (msg && msg.id !== undefined && msg.id !== null && ('result' in msg || 'error' in msg)) {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        p.resolve(msg);
      }
      return;
    }
    if (msg && typeof msg.method === 'string') {
      if (msg.id !== undefined && msg.id !== null) {
        // A request from the other side (e.g. ping): answer it like a host would.
        this.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {} }));
        return;
      }
      this.onNotification?.(msg);
    }
  }
  request(method, params) {
    const id = this.nextId++;
    const msg = { jsonrpc: '2.0', id, method, params };
    const p = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.sendRaw(JSON.stringify(msg));
    return p;
  }
  // Builds many requests and hands them over in one go (one write for stdio peers).
  requestMany(method, paramsList) {
    const lines = [];
    const ps = [];
    for (const params of paramsList) {
      const id = this.nextId++;
      lines.push(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      ps.push(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })));
    }
    this.sendMany(lines);
    return ps;
  }
  notify(method, params) {
    this.sendRaw(JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }));
  }
  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

// A stdio MCP bridge process, with the harness playing the host.
class StdioPeer extends Peer {
  constructor(cmd, args, env, stderrFile, cwd = undefined) {
    super();
    this.t0 = nowMs();
    this.child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, t: nowMs() })));
    this.exitInfo = null;
    this.exited.then((e) => {
      this.exitInfo = e;
      this.failAll(new Error(`process exited (code ${e.code}, signal ${e.signal})`));
    });
    this.child.on('error', (e) => this.failAll(e));
    this.child.stdin.on('error', () => {});
    const errOut = fs.createWriteStream(stderrFile, { flags: 'a' });
    this.child.stderr.pipe(errOut);
    let parts = [];
    this.child.stdout.on('data', (chunk) => {
      let start = 0;
      let nl;
      while ((nl = chunk.indexOf(10, start)) !== -1) {
        let buf = chunk.subarray(start, nl);
        if (parts.length) {
          parts.push(buf);
          buf = Buffer.concat(parts);
          parts = [];
        }
        start = nl + 1;
        if (buf.length === 0) continue;
        let msg;
        try {
          msg = JSON.parse(buf.toString('utf8'));
        } catch {
          this.badLines = (this.badLines || 0) + 1;
          continue;
        }
        this.deliver(msg);
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    });
  }
  sendRaw(line) {
    this.child.stdin.write(line + '\n');
  }
  sendMany(lines) {
    this.child.stdin.write(lines.join('\n') + '\n');
  }
  cpuMs() {
    return procCpuMs(this.pid);
  }
  mem() {
    return procStatus(this.pid);
  }
  // stdin EOF -> exit. Returns ms, or null if it had to be killed.
  async shutdown(timeoutMs = 5000) {
    if (this.exitInfo) return { ms: 0, killed: false };
    const t = nowMs();
    this.child.stdin.end();
    const timer = sleep(timeoutMs).then(() => 'timeout');
    const r = await Promise.race([this.exited, timer]);
    if (r === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      return { ms: null, killed: true };
    }
    return { ms: r.t - t, killed: false };
  }
}

// In-process baseline: the same JSON-RPC calls straight to the upstream over keep-alive HTTP.
class DirectPeer extends Peer {
  constructor(url) {
    super();
    this.url = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    this.getAgent = new http.Agent({ keepAlive: false });
    this.sessionId = null;
    this.protocolVersion = null;
    this.getReq = null;
    this.pid = process.pid;
  }
  headers(extra = {}) {
    const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra };
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) h['mcp-protocol-version'] = this.protocolVersion;
    return h;
  }
  post(line) {
    const msg = JSON.parse(line);
    const body = Buffer.from(line);
    const req = http.request(this.url, {
      method: 'POST',
      agent: this.agent,
      headers: this.headers({ 'content-length': body.length }),
    });
    req.on('response', (res) => {
      const sid = res.headers['mcp-session-id'];
      if (sid && !this.sessionId) this.sessionId = sid;
      const ct = res.headers['content-type'] || '';
      if (res.statusCode === 202) return res.resume();
      if (ct.startsWith('text/event-stream')) {
        res.setEncoding('utf8');
        const parser = new SseParser((data) => this.onParsed(JSON.parse(data)));
        res.on('data', (t) => parser.push(t));
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode >= 200 && res.statusCode < 300 && ct.startsWith('application/json')) {
          this.onParsed(JSON.parse(text));
        } else if (msg.id !== undefined) {
          this.deliver({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: `HTTP ${res.statusCode}: ${text}` } });
        }
      });
    });
    req.on('error', (e) => {
      if (msg.id !== undefined) this.deliver({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: String(e) } });
    });
    req.end(body);
    if (msg.method === 'notifications/initialized') this.openGet();
  }
  onParsed(m) {
    if (m && m.result && m.result.protocolVersion && !this.protocolVersion) this.protocolVersion = m.result.protocolVersion;
    this.deliver(m);
  }
  openGet() {
    const req = http.request(this.url, {
      method: 'GET',
      agent: this.getAgent,
      headers: { accept: 'text/event-stream', 'mcp-session-id': this.sessionId, 'mcp-protocol-version': this.protocolVersion },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return res.resume();
      res.setEncoding('utf8');
      const parser = new SseParser((data) => this.onParsed(JSON.parse(data)));
      res.on('data', (t) => parser.push(t));
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.end();
    this.getReq = req;
  }
  sendRaw(line) {
    this.post(line);
  }
  sendMany(lines) {
    for (const l of lines) this.post(l);
  }
  cpuMs() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  mem() {
    return { rssKb: null, hwmKb: null };
  }
  async shutdown() {
    const t = nowMs();
    this.getReq?.destroy();
    if (this.sessionId) {
      await new Promise((resolve) => {
        const req = http.request(this.url, { method: 'DELETE', agent: this.agent, headers: this.headers() });
        req.on('response', (res) => res.resume().on('end', resolve));
        req.on('error', resolve);
        req.end();
      });
    }
    this.agent.destroy();
    this.getAgent.destroy();
    return { ms: nowMs() - t, killed: false };
  }
}

// ---------------------------------------------------------------- upstream control

async function startUpstreamProcess(extraArgs = []) {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'upstream.mjs'), '--get', opts.get, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl !== -1) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`upstream exited early (${code})`)));
  });
  const info = JSON.parse(line);
  return { child, pid: child.pid, ...info, base: info.url.replace(/\/mcp$/, '') };
}

function benchReq(base, method, p) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + p, { method, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------- the scenario

const INIT_PARAMS = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'mcp-tether-bench-host', version: '1.0.0' },
};

let tmpRoot;
// variant: 'self' = the program itself (mcp-tether's binary; mcp-remote's npm bin run with
// node), 'npm-bin' = mcp-tether's npm package's bin (the Node launcher) from the temp
// prefix, 'npx' = `npx … NAME URL …` finding the installed bin (see prepareNpm).
function makePeer(client, upstream, variant = 'self') {
  if (client === 'direct') return new DirectPeer(upstream.url);
  const errFile = path.join(tmpRoot, variant === 'self' ? `${client}.stderr.log` : `${client}-npm.stderr.log`);
  if (client === 'tether') {
    const env = { ...process.env, HOME: path.join(tmpRoot, 'home-tether') };
    if (variant === 'npm-bin') return new StdioPeer(NPM.launcher, [upstream.url], env, errFile);
    if (variant === 'npx') return new StdioPeer('npx', [...npxArgs(NPM.prefix), 'mcp-tether', upstream.url], npmFreeEnv(env), errFile, tmpRoot);
    return new StdioPeer(TETHER_BIN, [upstream.url], env, errFile);
  }
  const home = path.join(tmpRoot, 'home-remote');
  const env = {
    ...process.env,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    MCP_REMOTE_CONFIG_DIR: path.join(home, '.mcp-auth'),
    BROWSER: 'false', // never open a browser, should it ever try to
  };
  const remoteArgs = [upstream.url, '--transport', 'http-only', '--allow-http'];
  if (variant === 'npx') return new StdioPeer('npx', [...npxArgs(BENCH_DIR), 'mcp-remote', ...remoteArgs], npmFreeEnv(env), errFile, tmpRoot);
  if (variant !== 'self') throw new Error(`mcp-remote has no ${variant} variant`);
  return new StdioPeer(process.execPath, [REMOTE_ENTRY, ...remoteArgs], env, errFile);
}
let REMOTE_ENTRY;

// ---------------------------------------------------------------- npm: the packages as `npx` runs them

// npm and npx run here with a temp cache and empty user/global configs, `--offline`, and a
// registry on the discard port (nothing listens there): nothing is fetched, and nothing
// outside tmpRoot (~/.npm, ~/.npmrc, ~/.config) is read or written.
const DEAD_REGISTRY = 'http://127.0.0.1:9/';
let NPM = null; // { dir, flags, prefix?, launcher?, setupMs?, error?, npmVersion }

function npmFlags(dir) {
  return ['--offline', `--cache=${path.join(dir, 'cache')}`, `--userconfig=${path.join(dir, 'npmrc-user')}`, `--globalconfig=${path.join(dir, 'npmrc-global')}`, `--registry=${DEAD_REGISTRY}`, '--update-notifier=false'];
}
// `npx --yes <flags> --prefix=P NAME …`: with a local prefix whose node_modules/.bin has
// NAME, npm exec runs that bin (through `sh -c`) without resolving anything. (npx-cli only
// knows a few value flags by name: the others must be written `--key=value`.)
function npxArgs(prefix) {
  return ['--yes', ...NPM.flags, `--prefix=${prefix}`];
}
// The harness may itself run under `npm run`: no npm_* variables into the npm/npx children.
function npmFreeEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

function runAsync(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: npmFreeEnv(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')}… exited ${code}: ${err.trim().slice(-400).replace(/\s*\n\s*/g, ' / ')}`))));
  });
}

function npmDirs() {
  if (NPM) return NPM;
  const dir = path.join(tmpRoot, 'npm');
  fs.mkdirSync(path.join(dir, 'cache'), { recursive: true });
  for (const f of ['npmrc-user', 'npmrc-global']) fs.writeFileSync(path.join(dir, f), '');
  let npmVersion = null;
  try {
    npmVersion = execFileSync('npm', ['--version', ...npmFlags(dir)], { env: npmFreeEnv(process.env) }).toString().trim();
  } catch {}
  NPM = { dir, flags: npmFlags(dir), npmVersion };
  return NPM;
}

// What `npx -y mcp-tether` would have installed, from target/release/mcp-tether:
// packaging/npm/build.mjs writes `mcp-tether` (the launcher) and `@mcp-tether/<platform>`
// (the binary), `npm pack` both, `npm install` the two tarballs offline into a temp prefix
// (as tests/dist/run.sh does). Runs while the upstream warms up (that part is untimed).
async function prepareNpm() {
  const t = nowMs();
  const { dir, flags } = npmDirs();
  const quiet = ['--loglevel=error', '--no-audit', '--no-fund'];
  const version = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];
  const platform = `${process.platform}-${process.arch}`;
  await runAsync(process.execPath, [path.join(ROOT, 'packaging', 'npm', 'build.mjs'), '--binary', TETHER_BIN, '--version', version, '--out', path.join(dir, 'src')]);
  const tgz = path.join(dir, 'tarballs');
  fs.mkdirSync(tgz);
  const pkgDirs = [`mcp-tether-${platform}`, 'mcp-tether'].map((d) => path.join(dir, 'src', d));
  await Promise.all(pkgDirs.map((d) => runAsync('npm', ['pack', `--pack-destination=${tgz}`, ...flags, ...quiet], d)));
  const prefix = path.join(dir, 'prefix');
  fs.mkdirSync(prefix);
  fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
  await runAsync('npm', ['install', ...flags, ...quiet, path.join(tgz, `mcp-tether-${platform}-${version}.tgz`), path.join(tgz, `mcp-tether-${version}.tgz`)], prefix);
  const launcher = path.join(prefix, 'node_modules', '.bin', 'mcp-tether');
  const installedBin = path.join(prefix, 'node_modules', '@mcp-tether', platform, 'bin', 'mcp-tether');
  if (!fs.existsSync(launcher)) throw new Error(`npm install made no ${launcher}`);
  const sha = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  if (sha(installedBin) !== sha(TETHER_BIN)) throw new Error(`${installedBin} is not target/release/mcp-tether`);
  Object.assign(NPM, { prefix, launcher, platform, version, setupMs: nowMs() - t });
}

function checkOk(resp, what) {
  if (!resp || resp.error) throw new Error(`${what}: ${JSON.stringify(resp?.error ?? resp).slice(0, 300)}`);
  return resp;
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function coldStarts(client, upstream, variant = 'self', spawns = P.coldSpawns) {
  const samples = [];
  for (let i = 0; i < spawns; i++) {
    const peer = makePeer(client, upstream, variant);
    const t0 = client === 'direct' ? nowMs() : peer.t0;
    try {
      checkOk(await withTimeout(peer.request('initialize', INIT_PARAMS), 30_000, 'initialize'), 'initialize');
      samples.push(nowMs() - t0);
    } finally {
      await peer.shutdown(5000);
    }
  }
  return median(samples);
}

/// mcp-tether's first start against a server it has never seen: `--protocol
/// auto` asks it `server/discover` once (then remembers the era). What that costs.
async function firstStart(upstream) {
  await benchReq(upstream.base, 'POST', '/_bench/reset');
  const home = fs.mkdtempSync(path.join(tmpRoot, 'fresh-home-'));
  const peer = new StdioPeer(TETHER_BIN, [upstream.url], { ...process.env, HOME: home }, path.join(tmpRoot, 'tether-fresh.stderr.log'));
  try {
    checkOk(await withTimeout(peer.request('initialize', INIT_PARAMS), 30_000, 'initialize'), 'initialize');
    const ms = nowMs() - peer.t0;
    const counts = await benchReq(upstream.base, 'GET', '/_bench/count');
    return { ms, requests: counts.total, keys: counts.firstKeys };
  } finally {
    await peer.shutdown(5000);
  }
}

const echo = (i) => ({ name: 'echo', arguments: { text: `hello ${i}` } });

// The untimed warm-up echoes, a GC of the harness heap, then `calls` sequential echoes:
// RTT percentiles, and the bridge's and the upstream's CPU (utime+stime) per call.
// Shared by the main session (P.seqCalls) and the auth CPU sessions (P.authSeqCalls).
async function warmupAndSequential(peer, upstream, calls = P.seqCalls) {
  const r = {};
  for (let i = 0; i < P.warmup; i++) checkOk(await withTimeout(peer.request('tools/call', echo(i)), 10_000, 'warm-up echo'), 'echo');

  // Sequential round trips.
  collectHarnessGarbage();
  const rtts = new Array(calls);
  const cpu0 = peer.cpuMs();
  const up0 = procCpuMs(upstream.pid);
  const tSeq = nowMs();
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    const resp = await withTimeout(peer.request('tools/call', echo(i)), 10_000, 'echo');
    rtts[i] = Number(process.hrtime.bigint() - t) / 1e3; // µs
    if (resp.error || resp.result?.content?.[0]?.text !== `hello ${i}`) throw new Error(`echo ${i}: wrong answer`);
  }
  const seqWall = nowMs() - tSeq;
  const cpu1 = peer.cpuMs();
  const up1 = procCpuMs(upstream.pid);
  rtts.sort((a, b) => a - b);
  r.p50 = percentile(rtts, 0.5);
  r.p95 = percentile(rtts, 0.95);
  r.p99 = percentile(rtts, 0.99);
  r.cpuPerCallUs = cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / calls : null;
  r.upCpuPerCallUs = up0 !== null && up1 !== null ? ((up1 - up0) * 1000) / calls : null;
  r.seqWallMs = seqWall;
  return r;
}

async function session(client, upstream) {
  const r = {};
  await benchReq(upstream.base, 'POST', '/_bench/reset');
  const peer = makePeer(client, upstream);
  const t0 = client === 'direct' ? nowMs() : peer.t0;
  try {
    checkOk(await withTimeout(peer.request('initialize', INIT_PARAMS), 30_000, 'initialize'), 'initialize');
    r.sessionInitMs = nowMs() - t0;
    peer.notify('notifications/initialized');
    checkOk(await withTimeout(peer.request('tools/list', {}), 10_000, 'tools/list'), 'tools/list');
    await sleep(300);
    r.rssInitKb = peer.mem().rssKb;

    Object.assign(r, await warmupAndSequential(peer, upstream));

    // Pipelined: all requests handed over at once.
    {
      const params = Array.from({ length: P.pipelined }, (_, i) => echo(`p${i}`));
      const u0 = procCpuMs(upstream.pid);
      const b0 = client === 'direct' ? null : peer.cpuMs();
      const h0 = process.cpuUsage();
      const t = nowMs();
      const resps = await withTimeout(Promise.all(peer.requestMany('tools/call', params)), 120_000, 'pipelined echo');
      const ms = nowMs() - t;
      const u1 = procCpuMs(upstream.pid);
      const b1 = client === 'direct' ? null : peer.cpuMs();
      const h1 = process.cpuUsage(h0);
      r.bridgeBusyPct = b0 !== null && b1 !== null ? ((b1 - b0) / ms) * 100 : null;
      r.harnessBusyPct = ((h1.user + h1.system) / 1000 / ms) * 100;
      let bad = 0;
      resps.forEach((resp, i) => {
        if (resp.error || resp.result?.content?.[0]?.text !== `hello p${i}`) bad++;
      });
      r.pipeMs = ms;
      r.pipeRps = (P.pipelined * 1000) / ms;
      r.pipeBad = bad;
      r.upBusyPct = u0 !== null && u1 !== null ? ((u1 - u0) / ms) * 100 : null;
    }

    // Large responses, checked byte for byte.
    for (const n of P.bytesSizes) {
      const t = nowMs();
      const resp = checkOk(await withTimeout(peer.request('tools/call', { name: 'bytes', arguments: { n } }), 60_000, `bytes ${n}`), `bytes ${n}`);
      const ms = nowMs() - t;
      const text = resp.result?.content?.[0]?.text;
      const want = payload(n);
      let ok = typeof text === 'string' && Buffer.byteLength(text) === n && text === want;
      let note = '';
      if (!ok) {
        if (typeof text !== 'string') note = 'no text content';
        else {
          let i = 0;
          while (i < Math.min(text.length, want.length) && text[i] === want[i]) i++;
          note = `got ${Buffer.byteLength(text ?? '')} bytes, first difference at ${i}`;
        }
      }
      r[`bytes${n}`] = { ms, ok, note };
    }

    // Progress notifications streamed before the result.
    {
      const token = `bench-${client}-${Date.now()}`;
      const seen = [];
      let afterResult = 0;
      let resultArrived = false;
      peer.onNotification = (m) => {
        if (m.method === 'notifications/progress' && m.params?.progressToken === token) {
          seen.push(m.params.progress);
          if (resultArrived) afterResult++;
        }
      };
      const t = nowMs();
      const resp = await withTimeout(
        peer.request('tools/call', { name: 'progress', arguments: { count: P.progress }, _meta: { progressToken: token } }),
        60_000,
        'progress',
      );
      resultArrived = true;
      const ms = nowMs() - t;
      checkOk(resp, 'progress');
      await sleep(50); // anything arriving after the result would be out of order
      peer.onNotification = null;
      let inOrder = seen.length === P.progress;
      for (let i = 0; inOrder && i < seen.length; i++) if (seen[i] !== i + 1) inOrder = false;
      r.progress = { ms, count: seen.length - afterResult, inOrder: inOrder && afterResult === 0 };
    }

    r.hwmKb = peer.mem().hwmKb;

    // A server that floods the host with requests on one response stream
    // (10,000 pings): every one relayed, answered and POSTed back. The
    // bridge's memory budget for a flood is what this measures. Stdio
    // bridges only: the in-process client has no host to ask.
    if (client !== 'direct') {
      const t = nowMs();
      const resp = await withTimeout(peer.request('tools/call', { name: 'flood', arguments: { count: P.flood } }), 120_000, 'flood');
      const text = resp.result?.content?.[0]?.text ?? '';
      r.flood = { ms: nowMs() - t, ok: text === `answered ${P.flood} of ${P.flood}`, hwmKb: peer.mem().hwmKb };
    }
    const counts = await benchReq(upstream.base, 'GET', '/_bench/count');
    r.beforeFirstCall = counts.beforeFirstToolsCall;
    r.beforeFirstCallKeys = counts.firstToolsCallKeys;
    r.connections = counts.connections;
    r.toolSessions = counts.toolSessions;
  } finally {
    const sd = await peer.shutdown(5000);
    r.shutdownMs = sd.ms;
    r.shutdownKilled = sd.killed;
  }
  await sleep(200);
  const after = await benchReq(upstream.base, 'GET', '/_bench/count');
  r.deleteSeen = (r.toolSessions || []).length > 0 && r.toolSessions.every((s) => after.deletedSessions.includes(s));
  r.deletesTotal = after.byKey.DELETE || 0;
  return r;
}

// ---------------------------------------------------------------- auth path (mcp-tether only)

// A file-store record as mcp-tether writes it (src/auth/store/mod.rs `Record`), for the server URL
// exactly as the bridge is given it. Its file name is hex(SHA-256(url)[..12]).
// With `dpopKey` (base64url PKCS#8 v1 DER of a P-256 private key, src/auth/dpop.rs `Key`) the
// token is DPoP-bound to that key (`tokens.dpop_bound`, src/auth/token.rs), as after a sign-in
// against a server that asks for DPoP, and the metadata say ES256.
function writeTokenRecord(configDir, upstream, accessToken, { dpopKey = null } = {}) {
  const url = upstream.url;
  const base = upstream.base;
  const now = Math.floor(Date.now() / 1000);
  const record = {
    server_url: url,
    issuer: base,
    client: { client_id: 'bench-client', auth: { method: 'none' }, source: 'dynamic', redirect_uri: 'http://127.0.0.1:1/callback' },
    tokens: {
      access_token: accessToken,
      refresh_token: `bench-refresh-${crypto.randomUUID()}`,
      expires_at: now + 3600,
      scope: 'mcp',
      obtained_at: now,
      ...(dpopKey ? { dpop_bound: true } : {}),
    },
    resource: url,
    discovered: {
      resource_metadata: {
        resource: url,
        authorization_servers: [base],
        scopes_supported: ['mcp'],
        ...(dpopKey ? { dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: true } : {}),
      },
      resource_metadata_url: null,
      metadata: {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        code_challenge_methods_supported: ['S256'],
        ...(dpopKey ? { dpop_signing_alg_values_supported: ['ES256'] } : {}),
      },
      metadata_url: `${base}/.well-known/oauth-authorization-server`,
    },
    discovered_at: now,
    ...(dpopKey ? { dpop_key: { pkcs8: dpopKey } } : {}),
  };
  const dir = path.join(configDir, 'tokens');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(configDir, 0o700);
  fs.chmodSync(dir, 0o700);
  const name = crypto.createHash('sha256').update(url).digest().subarray(0, 12).toString('hex');
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(record, null, 2), { mode: 0o600 });
  // The start that stored the token also remembered the server's protocol era
  // (src/relay/era.rs), so a later start doesn't probe it.
  fs.writeFileSync(path.join(configDir, 'protocol-eras.json'), JSON.stringify({ [url]: 'legacy' }), { mode: 0o600 });
}

// One bridge session against the --auth upstream: spawn, 250 ms pause, initialize (timed from
// writing it to its result), initialized, 100 ms for the GET stream to open, one tools/call echo, stdin EOF.
// `valid`: the stored access token is one the upstream accepts; otherwise it is unknown to it
// (but unexpired), so the bridge gets a 401, refreshes and retries.
let authSeq = 0;
const AUTH_SETTLE_MS = 250;
async function authSample(upstream, valid) {
  const configDir = path.join(tmpRoot, `tether-config-${++authSeq}`);
  fs.mkdirSync(configDir, { mode: 0o700 });
  writeTokenRecord(configDir, upstream, valid ? upstream.validToken : `bench-stale-${crypto.randomUUID()}`);
  await benchReq(upstream.base, 'POST', '/_bench/reset');
  const env = { ...process.env, HOME: path.join(tmpRoot, 'home-tether'), MCP_TETHER_CONFIG_DIR: configDir, BROWSER: 'true' };
  const peer = new StdioPeer(TETHER_BIN, [upstream.url, '--token-store', 'file'], env, path.join(tmpRoot, 'tether-auth.stderr.log'));
  const s = { valid };
  try {
    // Let the process start first, so the timed part is the HTTP exchange, not exec + startup
    // (which is the cold-start row and would drown a few ms of difference in noise).
    await sleep(AUTH_SETTLE_MS);
    const t = nowMs();
    checkOk(await withTimeout(peer.request('initialize', INIT_PARAMS), 15_000, 'auth initialize'), 'auth initialize');
    s.initMs = nowMs() - t;
    peer.notify('notifications/initialized');
    await sleep(100);
    const resp = await withTimeout(peer.request('tools/call', { name: 'echo', arguments: { text: 'auth' } }), 10_000, 'auth echo');
    if (resp.error || resp.result?.content?.[0]?.text !== 'auth') throw new Error('auth echo: wrong answer');
  } finally {
    await peer.shutdown(5000);
  }
  const c = await benchReq(upstream.base, 'GET', '/_bench/count');
  s.beforeFirstCall = c.beforeFirstToolsCall;
  s.keys = c.firstToolsCallKeys;
  s.unauthorized = c.unauthorized;
  s.refreshes = c.refreshes;
  s.tokenRequests = Object.entries(c.byKey).filter(([k]) => k.startsWith('POST /token')).reduce((a, [, n]) => a + n, 0);
  s.discovery = Object.entries(c.byKey).filter(([k]) => k.includes('/.well-known/')).reduce((a, [, n]) => a + n, 0);
  return s;
}

async function authRuns(upstream) {
  const valid = [];
  const stale = [];
  for (let i = 0; i < P.authSamples; i++) {
    valid.push(await authSample(upstream, true));
    stale.push(await authSample(upstream, false));
  }
  const validMs = median(valid.map((x) => x.initMs));
  const staleMs = median(stale.map((x) => x.initMs));
  return {
    validInitMs: validMs,
    staleInitMs: staleMs,
    refreshCostMs: staleMs - validMs,
    validBefore: median(valid.map((x) => x.beforeFirstCall)),
    validKeys: valid[0].keys,
    staleKeys: stale[0].keys,
    validClean: valid.every((x) => x.unauthorized === 0 && x.tokenRequests === 0 && x.discovery === 0),
    staleOk: stale.every((x) => x.unauthorized === 1 && x.refreshes === 1 && x.tokenRequests === 1 && x.discovery === 0),
    samples: { valid, stale },
  };
}

// CPU per sequential call with a stored token, bearer vs DPoP-bound: one bridge per kind
// (`--token-store file`, a valid stored token, as in authSample) against the `--auth` upstream
// (bearer) or the `--auth --dpop` one (DPoP: a proof signed per request), then the same host
// steps and the same warm-up + sequential calls as the main session (warmupAndSequential).
// Throws, so the row shows — and the failure is listed, unless the upstream saw what the kind
// promises: for DPoP every /mcp request accepted with `Authorization: DPoP` and a well-formed
// proof; for bearer no DPoP header at all; for both no 401, no discovery, no token request.
async function authCpuSession(upstream, kind) {
  const configDir = path.join(tmpRoot, `tether-config-${++authSeq}`);
  fs.mkdirSync(configDir, { mode: 0o700 });
  const dpop = kind === 'dpop';
  let dpopKey = null;
  if (dpop) {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    dpopKey = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url');
  }
  writeTokenRecord(configDir, upstream, upstream.validToken, { dpopKey });
  await benchReq(upstream.base, 'POST', '/_bench/reset');
  const env = { ...process.env, HOME: path.join(tmpRoot, 'home-tether'), MCP_TETHER_CONFIG_DIR: configDir, BROWSER: 'true' };
  const peer = new StdioPeer(TETHER_BIN, [upstream.url, '--token-store', 'file'], env, path.join(tmpRoot, 'tether-auth.stderr.log'));
  let r;
  try {
    checkOk(await withTimeout(peer.request('initialize', INIT_PARAMS), 15_000, `auth ${kind} initialize`), `auth ${kind} initialize`);
    peer.notify('notifications/initialized');
    checkOk(await withTimeout(peer.request('tools/list', {}), 10_000, `auth ${kind} tools/list`), `auth ${kind} tools/list`);
    await sleep(300);
    r = await warmupAndSequential(peer, upstream, P.authSeqCalls);
  } finally {
    await peer.shutdown(5000);
  }
  const c = await benchReq(upstream.base, 'GET', '/_bench/count');
  // /mcp requests only: other paths are counted as `METHOD /path`, 401s as `401 ...`.
  const mcpRequests = Object.entries(c.byKey).filter(([k]) => /^(POST|GET|DELETE)( [^/]|$)/.test(k)).reduce((a, [, n]) => a + n, 0);
  const tokenRequests = Object.entries(c.byKey).filter(([k]) => k.startsWith('POST /token')).reduce((a, [, n]) => a + n, 0);
  const discovery = Object.entries(c.byKey).filter(([k]) => k.includes('/.well-known/')).reduce((a, [, n]) => a + n, 0);
  Object.assign(r, {
    mcpRequests,
    dpopHeaders: c.dpopHeaders,
    dpopProofs: c.dpopProofs,
    dpopVerified: c.dpopVerified,
    unauthorized: c.unauthorized,
    tokenRequests,
    discovery,
  });
  const problems = [];
  if (c.unauthorized) problems.push(`${c.unauthorized} 401s${c.dpopProblem ? ` (last: ${c.dpopProblem})` : ''}`);
  if (tokenRequests || discovery) problems.push(`${discovery} discovery and ${tokenRequests} token requests`);
  if (dpop) {
    const min = P.warmup + P.authSeqCalls + 2; // initialize, tools/list, the echoes
    if (!(c.dpopProofs >= min)) problems.push(`only ${c.dpopProofs} requests with a DPoP token and a well-formed proof (at least ${min} expected)`);
    if (c.dpopProofs !== mcpRequests) problems.push(`${mcpRequests - c.dpopProofs} of ${mcpRequests} /mcp requests without an accepted proof`);
    if (!(c.dpopVerified > 0)) problems.push('no proof signature verified');
  } else if (c.dpopHeaders) {
    problems.push(`${c.dpopHeaders} requests carried a DPoP header`);
  }
  if (problems.length) throw new Error(`auth ${kind} CPU session: ${problems.join('; ')}`);
  return r;
}

// Bearer then DPoP in odd reps, DPoP then bearer in even ones, so neither always goes first.
async function authCpuRuns(bearerUpstream, dpopUpstream, rep) {
  const out = {};
  const order = rep % 2 ? ['bearer', 'dpop'] : ['dpop', 'bearer'];
  for (const kind of order) {
    try {
      out[kind] = await authCpuSession(kind === 'dpop' ? dpopUpstream : bearerUpstream, kind);
    } catch (e) {
      out[`${kind}Error`] = String(e?.message ?? e);
    }
  }
  if (out.bearer?.cpuPerCallUs != null && out.dpop?.cpuPerCallUs != null) out.dpopExtraUs = out.dpop.cpuPerCallUs - out.bearer.cpuPerCallUs;
  return out;
}

// ---------------------------------------------------------------- build & setup

function newestMtime(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newestMtime(path.join(p, e)));
  return m;
}

function ensureTether() {
  let need = !fs.existsSync(TETHER_BIN);
  if (!need) {
    const src = Math.max(newestMtime(path.join(ROOT, 'src')), newestMtime(path.join(ROOT, 'Cargo.toml')), newestMtime(path.join(ROOT, 'Cargo.lock')));
    need = fs.statSync(TETHER_BIN).mtimeMs < src;
  }
  if (!need) return;
  if (opts.noBuild) {
    if (!fs.existsSync(TETHER_BIN)) throw new Error('--no-build: target/release/mcp-tether is missing');
    BUILD_NOTE = 'target/release/mcp-tether is older than src/ (--no-build: not rebuilt)';
    return;
  }
  log('building target/release/mcp-tether (cargo build --release)…');
  const r = spawnSync('cargo', ['build', '--release'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    if (!fs.existsSync(TETHER_BIN)) throw new Error('cargo build --release failed');
    BUILD_NOTE = 'cargo build --release failed; measured the existing, older target/release/mcp-tether';
    log(`warning: ${BUILD_NOTE}`);
  }
}
let BUILD_NOTE = null;

function ensureRemote() {
  const pkgFile = path.join(REMOTE_PKG, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    log('installing bench dependencies (npm ci in bench/)…');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('npm ci in bench/ failed');
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['mcp-remote'];
  REMOTE_ENTRY = path.join(REMOTE_PKG, bin);
  return pkg.version;
}

function binTime() {
  try {
    return fs.statSync(TETHER_BIN).mtime.toISOString();
  } catch {
    return 'n/a';
  }
}

function machineInfo(remoteVersion) {
  const cpu = (() => {
    try {
      const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
      return m ? m[1].trim() : os.cpus()[0]?.model;
    } catch {
      return os.cpus()[0]?.model;
    }
  })();
  const rustc = (() => {
    try {
      return execFileSync('rustc', ['--version']).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const tetherVersion = (() => {
    try {
      return fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];
    } catch {
      return '?';
    }
  })();
  const git = (() => {
    try {
      const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock'], { cwd: ROOT }).toString().trim();
      return rev + (dirty ? ' (+uncommitted changes in src/)' : '');
    } catch {
      return '?';
    }
  })();
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc').toString().trim());
  } catch {}
  return [
    `- finished: ${new Date().toISOString()}`,
    `- nproc: ${nproc}; CPU: ${cpu}; memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; kernel: ${os.release()}`,
    `- node: ${process.version}; ${rustc}`,
    `- mcp-tether ${tetherVersion} at ${git}, binary built ${binTime()}; mcp-remote ${remoteVersion ?? 'n/a'}`,
    ...(BUILD_NOTE ? [`- **${BUILD_NOTE}**`] : []),
  ];
}

// ---------------------------------------------------------------- formatting

function fmtNum(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (digits === undefined) digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(values, digits) {
  const v = values.filter((x) => x !== null && x !== undefined && !Number.isNaN(x));
  if (!v.length) return { text: '—', med: null };
  const med = median(v);
  if (v.length === 1) return { text: fmtNum(med, digits), med };
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return { text: `${fmtNum(med, digits)} (${fmtNum(lo, digits)}–${fmtNum(hi, digits)})`, med };
}

// ---------------------------------------------------------------- main

async function main() {
  const started = nowMs();
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tether-bench-'));
  let remoteVersion = null;
  if (CLIENTS.includes('tether')) ensureTether();
  if (CLIENTS.includes('remote')) remoteVersion = ensureRemote();

  const upstream = await startUpstreamProcess();
  // A second upstream in --auth mode, for mcp-tether's auth-path rows only.
  let authUpstream = null;
  let dpopUpstream = null;
  if (CLIENTS.includes('tether')) {
    const validToken = `bench-valid-${crypto.randomUUID()}`;
    authUpstream = { ...(await startUpstreamProcess(['--auth', '--valid-token', validToken])), validToken };
    // A third, in --auth --dpop mode: DPoP-bound tokens only, a proof on every request.
    const dpopToken = `bench-dpop-${crypto.randomUUID()}`;
    dpopUpstream = { ...(await startUpstreamProcess(['--auth', '--dpop', '--valid-token', dpopToken])), validToken: dpopToken };
  }
  const load0 = { t: nowMs(), machine: machineBusyMs(), self: selfAndChildrenCpuMs(), loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0] };
  log(`upstream at ${upstream.url} (pid ${upstream.pid}, GET mode ${opts.get}); temp dir ${tmpRoot}`);
  log(`clients: ${CLIENTS.map((c) => LABEL[c]).join(', ')}; reps ${opts.reps}${opts.quick ? ' (quick)' : ''}`);

  // mcp-tether's npm packages, built, packed and installed while the upstream warms up.
  let npmReady = Promise.resolve();
  if (CLIENTS.includes('tether') || CLIENTS.includes('remote')) npmDirs();
  if (CLIENTS.includes('tether')) {
    npmReady = prepareNpm().then(
      () => log(`npm packages built, packed and installed offline in ${NPM.prefix}: ${(NPM.setupMs / 1000).toFixed(1)} s`),
      (e) => {
        NPM.error = String(e?.message ?? e);
        log(`npm packages: ERROR: ${NPM.error}`);
      },
    );
  }

  // Warm the upstream (JIT, payload cache) and the harness's own payload cache, untimed,
  // so that whichever client goes first does not pay for it.
  {
    const t = nowMs();
    for (const n of P.bytesSizes) payload(n);
    const peer = new DirectPeer(upstream.url);
    checkOk(await peer.request('initialize', INIT_PARAMS), 'warm-up initialize');
    peer.notify('notifications/initialized');
    for (let i = 0; i < 1000; i++) checkOk(await peer.request('tools/call', { name: 'echo', arguments: { text: 'w' } }), 'warm-up');
    await Promise.all(peer.requestMany('tools/call', Array.from({ length: 1000 }, () => ({ name: 'echo', arguments: { text: 'w' } }))));
    for (const n of P.bytesSizes) checkOk(await peer.request('tools/call', { name: 'bytes', arguments: { n } }), 'warm-up bytes');
    checkOk(await peer.request('tools/call', { name: 'progress', arguments: { count: 100 }, _meta: { progressToken: 'w' } }), 'warm-up progress');
    await peer.shutdown();
    log(`upstream warm-up: ${(nowMs() - t).toFixed(0)} ms`);
  }
  await npmReady;

  // results[client] = array of per-rep objects (or {error})
  const results = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  let load1;
  try {
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const client of CLIENTS) {
        const tRep = nowMs();
        const r = {};
        try {
          if (client === 'tether') r.first = await firstStart(upstream);
          r.coldMs = await coldStarts(client, upstream);
          // The same, through npm: mcp-tether's installed bin (the launcher), then npx
          // for both. A failure here is noted and leaves the rest of the rep alone.
          const tNpm = nowMs();
          for (const [variant, key, spawns] of [['npm-bin', 'coldNpmBinMs', P.coldSpawns], ['npx', 'coldNpxMs', P.npxSpawns]]) {
            if (client === 'direct' || (client === 'remote' && variant === 'npm-bin')) continue;
            if (client === 'tether' && NPM.error) continue;
            r.npmPhaseMs = 0;
            try {
              r[key] = await coldStarts(client, upstream, variant, spawns);
            } catch (e) {
              (r.npmErrors ??= []).push(`${variant}: ${String(e?.message ?? e)}`);
            }
          }
          if (r.npmPhaseMs !== undefined) r.npmPhaseMs = nowMs() - tNpm;
          Object.assign(r, await session(client, upstream));
        } catch (e) {
          r.error = String(e?.message ?? e);
        }
        if (client === 'tether' && authUpstream) {
          try {
            r.auth = await authRuns(authUpstream);
          } catch (e) {
            r.authError = String(e?.message ?? e);
          }
          r.authCpu = await authCpuRuns(authUpstream, dpopUpstream, rep);
        }
        results[client].push(r);
        const cpuErrors = [r.authCpu?.bearerError, r.authCpu?.dpopError].filter(Boolean);
        log(`rep ${rep} ${LABEL[client]}: ${((nowMs() - tRep) / 1000).toFixed(1)} s${r.npmPhaseMs !== undefined ? ` (npm/npx cold starts ${(r.npmPhaseMs / 1000).toFixed(1)} s)` : ''}${r.error ? ` — ERROR: ${r.error}` : ''}${r.authError ? ` — auth ERROR: ${r.authError}` : ''}${cpuErrors.length ? ` — auth CPU ERROR: ${cpuErrors.join('; ')}` : ''}${r.npmErrors ? ` — npm cold start ERROR: ${r.npmErrors.join('; ')}` : ''}`);
      }
    }
  } finally {
    load1 = { t: nowMs(), machine: machineBusyMs(), self: selfAndChildrenCpuMs(), up: procCpuMs(upstream.pid), loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0] };
    upstream.child.kill('SIGTERM');
    authUpstream?.child.kill('SIGTERM');
    dpopUpstream?.child.kill('SIGTERM');
  }
  let foreignLine = null;
  if (load0.machine !== null && load1.machine !== null && load1.up !== null) {
    const wall = load1.t - load0.t;
    const ours = load1.self - load0.self + load1.up;
    const foreign = Math.max(0, load1.machine - load0.machine - ours);
    foreignLine = `- CPU used by other processes on the machine during the measured part: ${fmtNum((foreign / wall) * 100, 0)}% of one core on average (load average ${load0.loadavg} at start, ${load1.loadavg} at end)${foreign / wall > 0.1 ? ' — **the machine was not idle; numbers include that contention**' : ''}`;
  }

  // ---- table
  const rows = [];
  const numRow = (label, get, digits, { ratio = true, only = null } = {}) => {
    const cells = CLIENTS.map((c) =>
      only && !only.includes(c) ? { text: 'n/a', med: null } : cell(results[c].map((r) => (r.error && get(r, c) === undefined ? null : get(r, c))), digits),
    );
    const t = CLIENTS.indexOf('tether');
    const m = CLIENTS.indexOf('remote');
    let ratioText = '—';
    if (ratio && t !== -1 && m !== -1 && cells[t].med !== null && cells[m].med) ratioText = `${fmtNum(cells[t].med / cells[m].med, 2)}×`;
    rows.push([label, ...cells.map((x) => x.text), ratioText]);
  };
  const boolRow = (label, get, { only = null } = {}) => {
    const cells = CLIENTS.map((c) => {
      if (only && !only.includes(c)) return 'n/a';
      const v = results[c].map(get).filter((x) => x !== null && x !== undefined);
      if (!v.length) return '—';
      const yes = v.filter(Boolean).length;
      return yes === v.length ? `yes (${yes}/${v.length})` : `**no** (${yes}/${v.length})`;
    });
    rows.push([label, ...cells, '—']);
  };
  const kb2mb = (x) => (x === null || x === undefined ? null : x / 1024);
  const mb = (n) => `${n / 1_000_000} MB`;

  numRow(`Cold start: spawn → initialize result, ms (median of ${P.coldSpawns} spawns). Spawned: mcp-tether = the binary, \`target/release/mcp-tether URL\`; mcp-remote = its npm bin, \`node bench/node_modules/mcp-remote/dist/proxy.js URL --transport http-only --allow-http\``, (r) => r.coldMs);
  if (CLIENTS.includes('tether') || CLIENTS.includes('remote')) {
    const P2 = { only: ['tether', 'remote'] };
    const plat = NPM?.platform ?? `${process.platform}-${process.arch}`;
    numRow(
      `Cold start through the installed npm bin, ms (median of ${P.coldSpawns} spawns). Spawned: mcp-tether = \`<temp prefix>/node_modules/.bin/mcp-tether URL\` (the package's Node launcher, \`#!/usr/bin/env node\`, which spawns the binary of \`@mcp-tether/${plat}\`); mcp-remote = its npm bin as in the row above (the same samples: its bin is the program, there is no launcher)`,
      (r, c) => (c === 'tether' ? r.coldNpmBinMs : r.coldMs),
      undefined,
      P2,
    );
    numRow(
      `Cold start through \`npx --yes --offline\`, ms (median of ${P.npxSpawns} spawns). Spawned: \`npx … --prefix=<temp prefix> mcp-tether URL\` / \`npx … --prefix=bench mcp-remote URL --transport http-only --allow-http\` (npm exec finds the installed bin and runs it with \`sh -c\`; full command under the table)`,
      (r) => r.coldNpxMs,
      undefined,
      P2,
    );
    numRow('What the npm launcher adds: npm bin − binary, ms (within each rep)', (r) => (r.coldNpmBinMs != null && r.coldMs != null ? r.coldNpmBinMs - r.coldMs : null), undefined, { only: ['tether'], ratio: false });
    numRow('What npx adds: npx − npm bin, ms (within each rep)', (r, c) => {
      const bin = c === 'tether' ? r.coldNpmBinMs : r.coldMs;
      return r.coldNpxMs != null && bin != null ? r.coldNpxMs - bin : null;
    }, undefined, { ...P2, ratio: false });
  }
  numRow('HTTP requests upstream got before the first tools/call', (r) => r.beforeFirstCall, 0);
  numRow('First start ever (no era memory, `--protocol auto`): spawn → initialize result, ms', (r) => r.first?.ms, 1, { ratio: false, only: ['tether'] });
  numRow('First start ever: HTTP requests upstream got up to the initialize result', (r) => r.first?.requests, 0, { ratio: false, only: ['tether'] });
  numRow(`Sequential echo RTT p50, µs (${P.seqCalls} calls)`, (r) => r.p50, 0);
  numRow('Sequential echo RTT p95, µs', (r) => r.p95, 0);
  numRow('Sequential echo RTT p99, µs', (r) => r.p99, 0);
  numRow(`Pipelined: ${P.pipelined} echo calls written at once, req/s`, (r) => r.pipeRps, 0);
  numRow(`Pipelined: time for all ${P.pipelined} responses, ms`, (r) => r.pipeMs);
  for (const n of P.bytesSizes) {
    numRow(`${mb(n)} \`bytes\` response, ms`, (r) => r[`bytes${n}`]?.ms);
    boolRow(`${mb(n)} payload identical (length + content)`, (r) => r[`bytes${n}`]?.ok);
  }
  numRow(`${P.progress} progress notifications then result, ms`, (r) => r.progress?.ms);
  boolRow(`All ${P.progress} progress notifications arrived, in order, before the result`, (r) => r.progress?.inOrder);
  numRow(`${P.flood} ping requests from the server, each answered by the host, then the result, ms`, (r) => r.flood?.ms, undefined, { only: ['tether', 'remote'] });
  boolRow(`All ${P.flood} pings reached the host and their answers the server`, (r) => r.flood?.ok, { only: ['tether', 'remote'] });
  numRow(`Peak RSS (VmHWM) after the ${P.flood}-request flood, MiB`, (r) => kb2mb(r.flood?.hwmKb), 1, { only: ['tether', 'remote'] });
  numRow('RSS after init, MiB', (r) => kb2mb(r.rssInitKb), 1);
  numRow('Peak RSS (VmHWM), MiB', (r) => kb2mb(r.hwmKb), 1);
  numRow('CPU per sequential call (utime+stime), µs', (r) => r.cpuPerCallUs, 0);
  numRow('Shutdown: stdin EOF → exit, ms', (r) => r.shutdownMs);
  boolRow('Upstream saw DELETE for the session', (r) => (r.error && r.deleteSeen === undefined ? null : r.deleteSeen));
  numRow('TCP connections the upstream accepted during the session', (r) => r.connections, 0);
  if (CLIENTS.includes('tether')) {
    const T = { only: ['tether'], ratio: false };
    numRow('auth: requests before the first tools/call with a valid stored token', (r) => r.auth?.validBefore, 0, T);
    boolRow('auth: valid stored token: no 401, no discovery, no token request', (r) => r.auth?.validClean, T);
    numRow(`auth: initialize written → result with a valid stored token, ms (median of ${P.authSamples})`, (r) => r.auth?.validInitMs, undefined, T);
    numRow(`auth: same with a stale token (401 → refresh → retry), ms (median of ${P.authSamples})`, (r) => r.auth?.staleInitMs, undefined, T);
    numRow('auth: 401 → refresh → retried request succeeds, ms (difference of the two)', (r) => r.auth?.refreshCostMs, undefined, T);
    boolRow('auth: stale token: exactly one 401, one refresh at /token, no discovery', (r) => r.auth?.staleOk, T);
    numRow(`auth: CPU per sequential call with a bearer token, µs (${P.authSeqCalls} calls)`, (r) => r.authCpu?.bearer?.cpuPerCallUs, 0, T);
    numRow(`auth: CPU per sequential call with a DPoP-bound token (a proof signed per request), µs (${P.authSeqCalls} calls)`, (r) => r.authCpu?.dpop?.cpuPerCallUs, 0, T);
    numRow('auth: DPoP − bearer CPU per sequential call, µs (difference within each rep)', (r) => r.authCpu?.dpopExtraUs, 0, T);
    numRow('auth: sequential echo RTT p50 with a bearer token, µs', (r) => r.authCpu?.bearer?.p50, 0, T);
    numRow('auth: sequential echo RTT p50 with a DPoP-bound token, µs', (r) => r.authCpu?.dpop?.p50, 0, T);
    boolRow('auth: DPoP run: every /mcp request had `Authorization: DPoP` and a well-formed proof, no 401, no discovery, no token request', (r) => (r.authCpu ? !!r.authCpu.dpop : null), T);
  }
  numRow('Upstream CPU per sequential call, µs (bottleneck check)', (r) => r.upCpuPerCallUs, 0, { ratio: false });
  if (CLIENTS.includes('tether')) {
    numRow('auth: upstream CPU per sequential call, bearer token (`--auth`), µs', (r) => r.authCpu?.bearer?.upCpuPerCallUs, 0, { only: ['tether'], ratio: false });
    numRow('auth: upstream CPU per sequential call, DPoP-bound token (`--auth --dpop`), µs', (r) => r.authCpu?.dpop?.upCpuPerCallUs, 0, { only: ['tether'], ratio: false });
  }
  numRow('Pipelined run: upstream CPU busy, % of one core (bottleneck check)', (r) => r.upBusyPct, 0, { ratio: false });
  numRow('Pipelined run: bridge CPU busy, % of one core', (r) => r.bridgeBusyPct, 0, { ratio: false });
  numRow('Pipelined run: harness CPU busy, % of one core', (r) => r.harnessBusyPct, 0, { ratio: false });

  const header = ['Metric', ...CLIENTS.map((c) => LABEL[c]), 'mcp-tether / mcp-remote'];
  const table = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];

  const notes = [];
  if (NPM && (CLIENTS.includes('tether') || CLIENTS.includes('remote'))) {
    const x = (p) => p.split(tmpRoot).join('<temp>');
    if (NPM.error) notes.push(`- mcp-tether npm packages: setup failed, no npm rows for mcp-tether: ${x(NPM.error)}`);
    else if (NPM.prefix) notes.push(`- mcp-tether npm packages: \`packaging/npm/build.mjs --binary target/release/mcp-tether\`, \`npm pack\` of \`mcp-tether\` and \`@mcp-tether/${NPM.platform}\` ${NPM.version}, \`npm install\` of the two tarballs into \`<temp>/npm/prefix\` offline (same binary, checked by SHA-256): ${fmtNum(NPM.setupMs / 1000, 1)} s, while the upstream warmed up`);
    const cmd = (prefix, tail) => `\`npx ${x([...npxArgs(prefix), ...tail].join(' '))}\``;
    notes.push(`- npx rows (npm ${NPM.npmVersion ?? '?'}), run with cwd \`<temp>\` and no npm_* variables: ${CLIENTS.includes('tether') ? `${cmd(NPM.prefix ?? path.join(NPM.dir, 'prefix'), ['mcp-tether', 'URL'])}; ` : ''}${CLIENTS.includes('remote') ? cmd(BENCH_DIR, ['mcp-remote', 'URL', '--transport', 'http-only', '--allow-http']) : ''}. Processes: npm (node) → \`sh -c\` → the bin (mcp-tether: → the binary). This is what a host's \`npx -y NAME URL\` runs once the package is on disk, minus the registry: a host's npx, for a package not installed in a project, asks the registry for the version each start (and installs into its \`_npx\` cache on the first), which is not measured here.`);
    for (const c of ['tether', 'remote']) {
      if (!CLIENTS.includes(c)) continue;
      results[c].forEach((r, i) => {
        for (const e of r.npmErrors ?? []) notes.push(`- ${LABEL[c]} rep ${i + 1} npm cold start failed: ${x(e)}`);
      });
    }
  }
  for (const c of CLIENTS) {
    const keys = results[c].find((r) => r.beforeFirstCallKeys)?.beforeFirstCallKeys;
    if (keys) notes.push(`- ${LABEL[c]} requests before the first tools/call: ${keys.join(' → ')}`);
    const auth = results[c].find((r) => r.auth)?.auth;
    if (auth) {
      notes.push(`- ${LABEL[c]} auth, valid stored token, requests before the first tools/call: ${auth.validKeys.join(' → ')}`);
      notes.push(`- ${LABEL[c]} auth, stale stored token, requests before the first tools/call: ${auth.staleKeys.join(' → ')}`);
    }
    results[c].forEach((r, i) => {
      if (r.error) notes.push(`- ${LABEL[c]} rep ${i + 1} failed: ${r.error}`);
      if (r.shutdownKilled) notes.push(`- ${LABEL[c]} rep ${i + 1}: did not exit within 5 s of stdin EOF; killed`);
      if (r.pipeBad) notes.push(`- ${LABEL[c]} rep ${i + 1}: ${r.pipeBad} pipelined answers were wrong`);
      for (const n of P.bytesSizes) if (r[`bytes${n}`] && !r[`bytes${n}`].ok) notes.push(`- ${LABEL[c]} rep ${i + 1}: ${mb(n)} payload mismatch: ${r[`bytes${n}`].note}`);
      if (r.authError) notes.push(`- ${LABEL[c]} rep ${i + 1} auth path failed: ${r.authError}`);
      for (const k of ['bearer', 'dpop']) if (r.authCpu?.[`${k}Error`]) notes.push(`- ${LABEL[c]} rep ${i + 1} auth CPU run (${k}) failed: ${r.authCpu[`${k}Error`]}`);
      const d = r.authCpu?.dpop;
      if (d) notes.push(`- ${LABEL[c]} rep ${i + 1} auth DPoP run: ${d.dpopProofs} of ${d.mcpRequests} /mcp requests accepted with \`Authorization: DPoP\` and a well-formed proof, ${d.dpopVerified} proof signatures verified (first of the key, then every 100th), ${d.unauthorized} 401s; bearer run: ${r.authCpu.bearer ? `${r.authCpu.bearer.dpopHeaders} requests with a DPoP header` : 'failed'}`);
      if (r.progress && !r.progress.inOrder) notes.push(`- ${LABEL[c]} rep ${i + 1}: ${r.progress.count} of ${P.progress} progress notifications arrived before the result (in order: ${r.progress.inOrder})`);
    });
  }

  const totalS = (nowMs() - started) / 1000;
  const out = [
    `# mcp-tether benchmark${opts.quick ? ' (quick)' : ''}`,
    '',
    ...machineInfo(remoteVersion),
    ...(foreignLine ? [foreignLine] : []),
    `- reps: ${opts.reps}; cells are median (min–max) over reps; upstream GET mode: ${opts.get}; ${P.warmup} untimed warm-up echoes per session; wall time ${totalS.toFixed(0)} s`,
    '- direct = in-process Node keep-alive HTTP client (maxSockets 32), no bridge: harness + upstream cost. Its CPU row is the harness process; it has no RSS of its own.',
    ...(CLIENTS.includes('tether')
      ? ['- auth rows: mcp-tether only, against a second upstream in `--auth` mode (the DPoP row: a third, in `--auth --dpop` mode), with a token record pre-written to its file store (`--token-store file`, `MCP_TETHER_CONFIG_DIR`); n/a for mcp-remote, whose store format differs, and for direct.']
      : []),
    '',
    ...table,
    '',
    ...(notes.length ? ['Notes:', '', ...notes, ''] : []),
  ].join('\n');

  process.stdout.write(out + '\n');
  const resDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resDir, { recursive: true });
  fs.writeFileSync(path.join(resDir, 'latest.md'), out + '\n');
  fs.writeFileSync(path.join(resDir, 'latest.json'), JSON.stringify({ opts, P, npm: NPM, results }, null, 2));
  for (const c of ['tether', 'remote']) {
    const f = path.join(tmpRoot, `${c}.stderr.log`);
    if (fs.existsSync(f)) fs.copyFileSync(f, path.join(resDir, `latest-${LABEL[c]}.stderr.log`));
    const g = path.join(tmpRoot, `${c}-npm.stderr.log`);
    if (fs.existsSync(g)) fs.copyFileSync(g, path.join(resDir, `latest-${LABEL[c]}-npm.stderr.log`));
  }
  {
    const f = path.join(tmpRoot, 'tether-auth.stderr.log');
    if (fs.existsSync(f)) fs.copyFileSync(f, path.join(resDir, 'latest-mcp-tether-auth.stderr.log'));
  }
  fs.rmSync(tmpRoot, { recursive: true, force: true });
  log('wrote bench/results/latest.md (+ latest.json, bridge stderr logs)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
