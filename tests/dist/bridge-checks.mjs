// The checks every packaged form of mcp-tether must pass (npm launcher, PyPI
// console script, …), run against the SDK lab server (tests/lab/sdk-server.mjs,
// a real Streamable HTTP server on the official SDK):
//
//   DIST_CMD='["/tmp/prefix/node_modules/.bin/mcp-tether"]' \
//   DIST_REFERENCE_BIN=target/debug/mcp-tether DIST_LABEL=npm \
//   node --test tests/dist/bridge-checks.mjs
//
// DIST_CMD is the command (JSON array) as a host would run it; the URL and flags are
// appended. DIST_REFERENCE_BIN is the bare binary the package was built from:
// what the package prints must be what the bare binary prints, byte for byte.
// DIST_WRAPPER=1 says DIST_CMD is a wrapper process with the native binary as its
// child (the npm launcher): then the child must be gone when the wrapper is, and
// the wrapper must end the way the child did.
//
// Checked, for DIST_CMD:
//   1. --version and a usage error: same stdout and exit code as the bare binary;
//   2. initialize and tools/call are answered, and stdout holds nothing but
//      newline-terminated JSON-RPC messages (not one byte more);
//   3. a ~1 MiB tool result arrives whole and byte-exact (the same bytes as the
//      bare binary gives for the same request, and the text is the server's);
//   4. stdin EOF -> exit code 0 within 3 s;
//   5. SIGTERM to the process the host started -> the server receives a DELETE of
//      the session and the process exits within 3 s; (wrapper) the binary got the
//      signal: it had ended before the wrapper did;
//   6. (wrapper) the binary killed by a signal -> the wrapper ends by that signal.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAB = path.join(HERE, '..', 'lab');
const CMD = JSON.parse(process.env.DIST_CMD || 'null');
const REF = process.env.DIST_REFERENCE_BIN;
const LABEL = process.env.DIST_LABEL || 'dist';
const WRAPPER = process.env.DIST_WRAPPER === '1';
const BIG = 1024 * 1024; // bytes of tool text in the large response
const PATTERN = '0123456789abcdefghijklmnopqrstuvwxyz';

assert.ok(Array.isArray(CMD) && CMD.length > 0, 'DIST_CMD must be a JSON array (the command to run)');
assert.ok(REF && fs.existsSync(REF), `DIST_REFERENCE_BIN must name the bare binary (got ${REF})`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmpDirs = [];
const hosts = []; // every process started, to end whatever a failed check left running

// A private config dir for every run: never the real one.
function env() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `tether-dist-${LABEL}-`));
  tmpDirs.push(tmp);
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
    XDG_DATA_HOME: path.join(tmp, 'data'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    MCP_TETHER_CONFIG_DIR: path.join(tmp, 'tether'),
    MCP_TETHER_REQUIRE_CONFIG_DIR: '1',
    BROWSER: '/bin/false',
    NO_PROXY: '*',
    no_proxy: '*',
  };
}

// ------------------------------------------------------------------ the lab server
let server;
let URL_;
async function startServer() {
  const child = spawn(process.execPath, [path.join(LAB, 'sdk-server.mjs'), '--port', '0'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('sdk-server did not start')), 10_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, i));
      }
    });
    child.on('exit', (c) => reject(new Error(`sdk-server exited ${c}`)));
  });
  return { child, ...JSON.parse(line) };
}
async function labLog() {
  const r = await fetch(`http://127.0.0.1:${server.port}/_lab/log`);
  return r.json();
}

// ------------------------------------------------------------------ the host
class Host {
  constructor(argv0, args) {
    this.child = spawn(argv0[0], [...argv0.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: env() });
    hosts.push(this);
    this.out = []; // raw stdout chunks
    this.stderr = '';
    this.lines = []; // Buffers, one per complete stdout line (without \n)
    this.waiters = [];
    let partial = [];
    this.child.stdout.on('data', (chunk) => {
      this.out.push(chunk);
      let start = 0;
      let i;
      while ((i = chunk.indexOf(10, start)) >= 0) {
        const piece = chunk.subarray(start, i);
        this.lines.push(partial.length ? Buffer.concat([...partial, piece]) : piece);
        partial = [];
        start = i + 1;
      }
      if (start < chunk.length) partial.push(chunk.subarray(start));
      this.wake();
    });
    this.child.stderr.on('data', (d) => {
      if (this.stderr.length < 100_000) this.stderr += d;
    });
    this.child.stdin.on('error', () => {});
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        // Under a wrapper: was the native binary still running when the wrapper
        // ended? (Read now: Node closes the wrapper's stdin right after this, and
        // an orphaned binary would then see EOF and end by itself.)
        this.nativeAliveAtExit = this.nativePid ? alive(this.nativePid) : null;
        this.exited = { code, signal, t: Date.now() };
        resolve(this.exited);
        this.wake();
      })
    );
  }
  wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  send(obj) {
    this.child.stdin.write(JSON.stringify(obj) + '\n');
  }
  async response(id, ms = 15_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const buf of this.lines) {
        const msg = JSON.parse(buf.toString('utf8'));
        if (msg.id === id && msg.method === undefined) return { msg, raw: buf };
      }
      if (this.exited) throw new Error(`exited (${JSON.stringify(this.exited)}) before answering id ${id}; stderr:\n${this.stderr.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response to id ${id} within ${ms} ms; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(left, 200));
      });
    }
  }
  async initialize() {
    this.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `dist-${LABEL}`, version: '1' } },
    });
    const r = await this.response(1);
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return r;
  }
  // Every byte of stdout is part of a newline-terminated JSON-RPC message.
  assertCleanStdout() {
    const all = Buffer.concat(this.out);
    assert.ok(all.length === 0 || all[all.length - 1] === 10, 'stdout ends in the middle of a line');
    for (const buf of this.lines) {
      let msg;
      assert.doesNotThrow(() => {
        msg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
      }, `stdout line is not JSON: ${JSON.stringify(buf.subarray(0, 80).toString('latin1'))}`);
      assert.equal(msg.jsonrpc, '2.0', `stdout line is not JSON-RPC: ${buf.subarray(0, 80)}`);
    }
  }
  async waitExit(ms) {
    const t0 = Date.now();
    const r = await Promise.race([this.exit, sleep(ms).then(() => null)]);
    if (!r) {
      this.child.kill('SIGKILL');
      assert.fail(`still running ${ms} ms later; stderr:\n${this.stderr.slice(-2000)}`);
    }
    return { ...r, ms: r.t - t0 };
  }
}

// The native process under the wrapper (its only child), or null.
function childPid(pid) {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : null;
  } catch {
    return null;
  }
}
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat); // a zombie is gone for our purpose
  } catch {
    return false;
  }
}
async function nativeChild(host) {
  for (let i = 0; i < 50; i++) {
    const pid = childPid(host.child.pid);
    if (pid) return pid;
    await sleep(20);
  }
  return null;
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------ the checks
describe(`mcp-tether through ${LABEL}: ${CMD.join(' ')}`, () => {
  before(async () => {
    server = await startServer();
    URL_ = server.url;
  });
  after(async () => {
    // A failed check may leave its bridge running: end it (and, under a wrapper,
    // the native child) so nothing outlives the test.
    for (const h of hosts.filter((x) => !x.exited)) {
      const native = childPid(h.child.pid);
      h.child.stdin.end();
      h.child.kill('SIGKILL');
      if (native) {
        try {
          process.kill(native, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await Promise.race([h.exit, sleep(2000)]);
    }
    server?.child.stdin.end();
    server?.child.kill('SIGTERM');
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('--version and a usage error: same output and exit code as the bare binary', () => {
    for (const args of [['--version'], ['--no-such-flag']]) {
      const got = spawnSync(CMD[0], [...CMD.slice(1), ...args], { env: env(), timeout: 10_000 });
      const want = spawnSync(REF, args, { env: env(), timeout: 10_000 });
      assert.equal(got.status, want.status, `exit code for ${args}`);
      assert.equal(got.signal, null);
      assert.ok(got.stdout.equals(want.stdout), `stdout for ${args}: ${JSON.stringify(got.stdout.toString())} vs ${JSON.stringify(want.stdout.toString())}`);
      if (args[0] === '--version') assert.match(got.stdout.toString(), /^mcp-tether \d+\.\d+\.\d+/);
      else assert.notEqual(got.status, 0);
    }
  });

  it('initialize and tools/call are answered; stdin EOF -> exit 0', async () => {
    const h = new Host(CMD, [URL_]);
    const init = await h.initialize();
    assert.ok(init.msg.result, `initialize failed: ${init.raw}`);
    assert.equal(init.msg.result.serverInfo.name, 'mcp-tether-lab-sdk-server');
    h.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'through the package' } } });
    const call = await h.response(2);
    assert.deepEqual(call.msg.result.content, [{ type: 'text', text: 'through the package' }]);
    h.child.stdin.end();
    const ex = await h.waitExit(3000);
    assert.deepEqual([ex.code, ex.signal], [0, null], `exit after stdin EOF; stderr:\n${h.stderr.slice(-2000)}`);
    h.assertCleanStdout();
  });

  it(`a ${BIG}-byte tool result arrives byte-exact`, async () => {
    const run = async (argv0) => {
      const h = new Host(argv0, [URL_]);
      await h.initialize();
      h.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'bytes', arguments: { n: BIG } } });
      const r = await h.response(7, 30_000);
      h.child.stdin.end();
      const ex = await h.waitExit(3000);
      assert.equal(ex.code, 0);
      h.assertCleanStdout();
      return r;
    };
    const got = await run(CMD);
    const text = got.msg.result.content[0].text;
    assert.equal(text.length, BIG);
    assert.ok(text === PATTERN.repeat(Math.ceil(BIG / PATTERN.length)).slice(0, BIG), 'the text is not the server\'s');
    const want = await run([REF]);
    assert.equal(got.raw.length, want.raw.length, 'the response line differs in length from the bare binary\'s');
    assert.equal(sha(got.raw), sha(want.raw), 'the response line differs from the bare binary\'s');
  });

  it('SIGTERM -> DELETE of the session, then exit', async () => {
    await fetch(`http://127.0.0.1:${server.port}/_lab/reset-log`, { method: 'POST' });
    const h = new Host(CMD, [URL_]);
    const init = await h.initialize();
    assert.ok(init.msg.result);
    h.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    await h.response(2);
    // This host's session: the id its requests carried since the log was reset.
    const sessions = new Set((await labLog()).map((e) => e.headers['mcp-session-id']).filter(Boolean));
    assert.equal(sessions.size, 1, `expected one session, saw ${[...sessions]}`);
    const native = WRAPPER ? await nativeChild(h) : h.child.pid;
    assert.ok(native, 'no native child under the wrapper');
    h.nativePid = WRAPPER ? native : null;
    const t0 = Date.now();
    h.child.kill('SIGTERM');
    const ex = await h.waitExit(3000);
    const deletes = (await labLog()).filter((e) => e.method === 'DELETE' && sessions.has(e.headers['mcp-session-id']));
    assert.equal(deletes.length, 1, `no DELETE of the session after SIGTERM (exit ${JSON.stringify(ex)}); stderr:\n${h.stderr.slice(-2000)}`);
    if (WRAPPER) {
      // The signal reached the binary, which ended first (the wrapper waits for it).
      assert.equal(h.nativeAliveAtExit, false, 'the wrapper ended while the native binary still ran: SIGTERM not passed on?');
      for (let i = 0; i < 50 && alive(native); i++) await sleep(20);
      assert.ok(!alive(native), `the native binary (pid ${native}) outlived the wrapper`);
    }
    h.assertCleanStdout();
    process.stderr.write(`${LABEL}: SIGTERM -> exit ${JSON.stringify([ex.code, ex.signal])} in ${Date.now() - t0} ms\n`);
  });

  it('the binary killed by a signal -> the wrapper ends by the same signal', { skip: !WRAPPER && 'no wrapper process' }, async () => {
    const h = new Host(CMD, [URL_]);
    await h.initialize();
    const native = await nativeChild(h);
    assert.ok(native);
    process.kill(native, 'SIGKILL');
    const ex = await h.waitExit(3000);
    assert.deepEqual([ex.code, ex.signal], [null, 'SIGKILL']);
  });
});
