// Hostile-server suite: the real mcp-tether binary against broken-server.mjs,
// a HAND-MADE FAKE MCP server that misbehaves on purpose (one way per case).
//
//   node --test tests/hostile/
//   MCP_TETHER_BIN=/path/to/mcp-tether node --test tests/hostile/
//   HOSTILE_ONLY=post202,both node --test tests/hostile/     (a subset)
//
// Each case spawns `BIN http://127.0.0.1:N/<case>/mcp --timeout 5` with a
// fresh temp HOME / XDG dirs / MCP_TETHER_CONFIG_DIR, drives it like a host
// (initialize, notifications/initialized, tools/call…), closes stdin, and
// checks what a host sees:
//   1. every stdout line is UTF-8 JSON, one object per line; every host request
//      id gets exactly one response, with jsonrpc "2.0", exactly one of
//      result/error (error: integer code + string message) and the host's id
//      byte for byte (2 is not "2" nor 2.0); no response to an id the host never used;
//   2. after stdin closes the process exits within 1 s (no slack), not by a
//      signal, and stderr has no `panicked at`;
//   3. peak RSS (VmHWM, polled, read just before stdin closes) under a bound
//      (64 MiB unless the case says otherwise; printed per case);
//   4. the other origin received nothing;
//   5. request counts / rates to the server stay bounded (printed per case).
// No assertion here was tuned to make the current binary pass.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.MCP_TETHER_BIN || path.join(HERE, '../../target/debug/mcp-tether');
const TIMEOUT_S = 5; // the bridge's --timeout
const T_REQ = (TIMEOUT_S + 4) * 1000; // how long the host waits for any one response
const EXIT_MS = 1000; // stdin closed -> process gone
const DEFAULT_RSS_MIB = 64;
const ONLY = process.env.HOSTILE_ONLY ? new Set(process.env.HOSTILE_ONLY.split(',')) : null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = []; // for the summary table

// ------------------------------------------------------------------ the fake server
let server; let PORT; let OTHER;
async function startServer() {
  const child = spawn(process.execPath, [path.join(HERE, 'broken-server.mjs'), '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let timer;
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; const i = buf.indexOf('\n'); if (i >= 0) resolve(buf.slice(0, i)); });
    child.on('exit', (c) => reject(new Error(`broken-server exited ${c}`)));
    timer = setTimeout(() => reject(new Error('broken-server did not start')), 10_000);
  });
  clearTimeout(timer);
  const info = JSON.parse(line);
  return { child, ...info };
}
async function lab(p) {
  const r = await fetch(`http://127.0.0.1:${PORT}${p}`);
  return r.json();
}
const statsOf = (name) => lab(`/_lab/stats?case=${encodeURIComponent(name)}`);

// ------------------------------------------------------------------ raw id of a line
// The top-level "id" of a JSON object line as raw text (so 2, 2.0 and "2" differ).
function topLevelIdRaw(line) {
  let depth = 0; let i = 0; const n = line.length;
  const skipString = (j) => { j++; while (j < n) { if (line[j] === '\\') j += 2; else if (line[j] === '"') return j + 1; else j++; } return j; };
  while (i < n) {
    const c = line[i];
    if (c === '"') {
      const end = skipString(i);
      if (depth === 1 && line.slice(i, end) === '"id"') {
        let j = end; while (/\s/.test(line[j])) j++;
        if (line[j] === ':') {
          j++; while (/\s/.test(line[j])) j++;
          let k = j; let d = 0;
          while (k < n) {
            const ch = line[k];
            if (ch === '"') { k = skipString(k); continue; }
            if (ch === '{' || ch === '[') d++;
            else if (ch === '}' || ch === ']') { if (d === 0) break; d--; }
            else if (ch === ',' && d === 0) break;
            k++;
          }
          return line.slice(j, k).trim();
        }
      }
      i = end; continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return undefined;
}

// ------------------------------------------------------------------ the host
class Host {
  constructor(name, { args = [], env = {}, answerPings = false } = {}) {
    this.name = name;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `tether-hostile-${name}-`));
    const url = `http://127.0.0.1:${PORT}/${name}/mcp`;
    this.argv = [url, '--timeout', String(TIMEOUT_S), ...args];
    this.child = spawn(BIN, this.argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: this.tmp,
        XDG_CONFIG_HOME: path.join(this.tmp, 'config'),
        XDG_DATA_HOME: path.join(this.tmp, 'data'),
        XDG_CACHE_HOME: path.join(this.tmp, 'cache'),
        MCP_TETHER_CONFIG_DIR: path.join(this.tmp, 'tether'),
        MCP_TETHER_REQUIRE_CONFIG_DIR: '1',
        BROWSER: '/bin/false',
        NO_PROXY: '*', no_proxy: '*',
        ...env,
      },
    });
    this.pid = this.child.pid;
    this.started = Date.now();
    this.answerPings = answerPings;
    this.lines = []; // {raw, msg|undefined, err|undefined, idRaw, t}
    this.problems = []; // stdout lines that are not UTF-8 JSON objects
    this.responses = []; // {msg, idRaw, t}
    this.serverRequests = 0; this.pingsAnswered = 0; this.notifications = 0;
    this.sent = new Map(); // JSON.stringify(id) -> {t, method}
    this.waiters = [];
    this.stderr = ''; this.stderrBytes = 0; this.panic = false;
    this.hwmKiB = 0; this.exited = null;
    this.exitPromise = new Promise((resolve) => this.child.on('exit', (code, signal) => { this.exited = { code, signal, t: Date.now() }; resolve(); this.wake(); }));
    this.child.stdin.on('error', () => {});
    // Line splitting without re-copying a long partial line on every chunk.
    let parts = [];
    const decoder = new TextDecoder('utf-8', { fatal: true });
    this.child.stdout.on('data', (chunk) => {
      let start = 0; let i;
      while ((i = chunk.indexOf(10, start)) >= 0) {
        const piece = chunk.subarray(start, i);
        const lineBuf = parts.length ? Buffer.concat([...parts, piece]) : piece;
        parts = [];
        this.onLine(lineBuf, decoder);
        start = i + 1;
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    });
    this.child.stdout.on('end', () => { if (parts.length) this.problems.push(`unterminated last stdout line (stdin was closed while it was written?): ${Buffer.concat(parts).subarray(0, 120)}`); });
    this.child.stderr.on('data', (d) => {
      this.stderrBytes += d.length;
      const s = d.toString('latin1');
      if (s.includes('panicked at') || (this.stderr.slice(-20) + s).includes('panicked at')) this.panic = true;
      if (this.stderr.length < 200_000) this.stderr += s;
    });
    this.poll = setInterval(() => this.readHwm(), 50);
  }

  readHwm() {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.hwmKiB = Math.max(this.hwmKiB, Number(m[1]));
    } catch { /* gone */ }
  }

  onLine(buf, decoder) {
    const t = Date.now();
    let text;
    try { text = decoder.decode(buf); } catch { this.problems.push(`stdout line is not UTF-8: ${buf.subarray(0, 120).toString('latin1')}`); return; }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    let msg;
    try { msg = JSON.parse(text); } catch (e) { this.problems.push(`stdout line is not JSON (${e.message}): ${text.slice(0, 200)}`); return; }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) { this.problems.push(`stdout line is not a JSON object: ${text.slice(0, 200)}`); return; }
    if (typeof msg.method === 'string') {
      if (msg.id !== undefined) {
        this.serverRequests++;
        if (this.serverRequests <= 3 && this.lines.length < 50) this.lines.push({ raw: text.slice(0, 300), t });
        if (this.answerPings && msg.method === 'ping') {
          this.pingsAnswered++;
          this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {} }) + '\n');
        }
      } else {
        this.notifications++;
      }
      return;
    }
    const idRaw = topLevelIdRaw(text);
    this.responses.push({ msg, idRaw, t, raw: text.length > 400 ? text.slice(0, 400) + '…' : text });
    this.wake();
  }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  send(obj) { if (!this.child.stdin.destroyed) this.child.stdin.write(JSON.stringify(obj) + '\n'); }
  notify(method, params) { this.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }); }

  responsesFor(id) { const k = JSON.stringify(id); return this.responses.filter((r) => JSON.stringify(r.msg.id) === k); }

  async waitFor(pred, ms) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (this.exited) return pred() || null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((resolve) => { const t = setTimeout(resolve, Math.min(left, 250)); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  // Send a request; resolves with {resp, ms} (resp null: nothing in `ms`).
  async request(id, method, params, ms = T_REQ) {
    const t0 = Date.now();
    this.sent.set(JSON.stringify(id), { t: t0, method });
    this.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
    const r = await this.waitFor(() => this.responsesFor(id)[0], ms);
    return { resp: r ? r.msg : null, ms: Date.now() - t0 };
  }

  initialize(id = 1) {
    return this.request(id, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: { roots: { listChanged: false } },
      clientInfo: { name: 'hostile-suite-host', version: '1.0.0' },
    });
  }
  call(id, text) { return this.request(id, 'tools/call', { name: 'echo', arguments: { text } }); }

  // Close stdin; resolve with how long the process took to exit.
  async close() {
    this.readHwm();
    this.exitedEarly = this.exited ? { ...this.exited } : null;
    const t0 = Date.now();
    this.child.stdin.end();
    const killAt = setTimeout(() => { try { this.child.kill('SIGKILL'); } catch {} }, 8000);
    await this.exitPromise;
    clearTimeout(killAt);
    clearInterval(this.poll);
    this.exitMs = this.exited.t - t0;
    return this.exitMs;
  }

  kill() {
    clearInterval(this.poll);
    if (!this.exited) try { this.child.kill('SIGKILL'); } catch {}
    try { fs.rmSync(this.tmp, { recursive: true, force: true }); } catch {}
  }
}

// ------------------------------------------------------------------ assertions
function checkResponseShape(r, failures) {
  const m = r.msg;
  if (m.jsonrpc !== '2.0') failures.push(`response ${r.idRaw} has jsonrpc ${JSON.stringify(m.jsonrpc)}, not "2.0": ${r.raw}`);
  const hasR = Object.hasOwn(m, 'result'); const hasE = Object.hasOwn(m, 'error');
  if (hasR === hasE) failures.push(`response ${r.idRaw} has ${hasR ? 'both result and error' : 'neither result nor error'}: ${r.raw}`);
  if (hasE) {
    const e = m.error;
    if (!e || typeof e !== 'object' || !Number.isInteger(e.code) || typeof e.message !== 'string') failures.push(`response ${r.idRaw} has a malformed error (need integer code, string message): ${r.raw}`);
  }
}

// The common host-side checks (1) for the ids in `ids` (default: every id the host sent).
function checkProtocol(h, failures, { ids, allowMissing = [] } = {}) {
  for (const p of h.problems.slice(0, 5)) failures.push(p);
  if (h.problems.length > 5) failures.push(`…and ${h.problems.length - 5} more bad stdout lines`);
  const sentKeys = new Set(h.sent.keys());
  for (const r of h.responses) {
    const k = JSON.stringify(r.msg.id);
    if (!sentKeys.has(k)) { failures.push(`response to an id the host never sent (${r.idRaw ?? 'no id'}): ${r.raw}`); continue; }
    if (r.idRaw !== k) failures.push(`id not echoed exactly: host sent ${k}, got ${r.idRaw}`);
    checkResponseShape(r, failures);
  }
  const want = ids ? ids.map((i) => JSON.stringify(i)) : [...sentKeys];
  const allow = new Set(allowMissing.map((i) => JSON.stringify(i)));
  for (const k of want) {
    const n = h.responses.filter((r) => JSON.stringify(r.msg.id) === k).length;
    if (n === 0 && !allow.has(k)) failures.push(`request ${k} (${h.sent.get(k)?.method}) got no response`);
    if (n > 1) failures.push(`request ${k} got ${n} responses`);
  }
}

// Expect the response to `id` to be a result echoing `text`, an error, or either.
function expectAnswer(h, id, kind, text, failures) {
  const r = h.responsesFor(id)[0];
  if (!r) return; // reported by checkProtocol
  const m = r.msg;
  const isResult = Object.hasOwn(m, 'result') && !Object.hasOwn(m, 'error');
  const isError = Object.hasOwn(m, 'error') && !Object.hasOwn(m, 'result');
  if (kind === 'result' && !isResult) failures.push(`request ${JSON.stringify(id)} should get a result, got: ${r.raw}`);
  if (kind === 'error' && !isError) failures.push(`request ${JSON.stringify(id)} should get an error, got: ${r.raw}`);
  if (isResult && text !== undefined) {
    const got = m.result?.content?.[0]?.text;
    if (got !== text) failures.push(`request ${JSON.stringify(id)}: result echoes ${JSON.stringify(got)?.slice(0, 80)}, want ${JSON.stringify(text)}`);
  }
}

// ------------------------------------------------------------------ the driver
// A case: { name, about, args, env, flow(h, ctx), rssMiB, exitMs, testMs, heavy }
// flow() does the host's part and pushes to ctx.failures; run() closes stdin and
// does checks 2–4 and reports.
async function run(c) {
  const h = new Host(c.name, { args: c.args, env: c.env, answerPings: c.answerPings });
  const ctx = { failures: [], notes: [], name: c.name };
  const t0 = Date.now();
  try {
    await c.flow(h, ctx);
    if (!c.skipExitCheck) {
      const exitMs = await h.close();
      if (h.exitedEarly) ctx.failures.push(`the bridge exited on its own before stdin closed (code ${h.exitedEarly.code}, signal ${h.exitedEarly.signal}): the host lost its server`);
      ctx.notes.push(`exit ${exitMs} ms`);
      if (exitMs > (c.exitMs ?? EXIT_MS)) ctx.failures.push(`took ${exitMs} ms to exit after stdin closed (limit ${c.exitMs ?? EXIT_MS})`);
      if (h.exited.signal) ctx.failures.push(`killed by signal ${h.exited.signal}${exitMs > 7000 ? ' (ours: it did not exit within 8 s)' : ''}`);
    } else {
      await h.close();
    }
    if (h.panic) ctx.failures.push(`panicked: ${/.*panicked at.*(\n.*){0,2}/.exec(h.stderr)?.[0]?.trim() ?? '(panic text on stderr)'}`);
    if (c.checkProtocol !== false) checkProtocol(h, ctx.failures, c.protocolOpts ?? {});
    const rssMiB = h.hwmKiB / 1024;
    const bound = c.rssMiB ?? DEFAULT_RSS_MIB;
    ctx.notes.push(`peak RSS ${rssMiB.toFixed(1)} MiB`);
    if (rssMiB > bound) ctx.failures.push(`peak RSS ${rssMiB.toFixed(1)} MiB > ${bound} MiB`);
    const other = await lab(`/_lab/other?case=${encodeURIComponent(c.name)}`);
    if (other.length) ctx.failures.push(`the other origin received ${other.length} request(s): ${other.slice(0, 3).map((e) => `${e.method} ${e.path} [${Object.keys(e.headers).join(',')}]`).join('; ')}`);
    const s = await statsOf(c.name);
    const secs = (Date.now() - t0) / 1000;
    ctx.notes.push(`${s.requests} req to server (${(s.requests / secs).toFixed(1)}/s)`);
    const maxReq = c.maxRequests ?? 60;
    if (s.requests > maxReq) ctx.failures.push(`${s.requests} requests reached the server (bound ${maxReq}): ${JSON.stringify(s.byMethod)} ${JSON.stringify(s.byRpc)}`);
    if (c.stats) c.stats(s, ctx, h);
  } finally {
    h.kill();
  }
  const ms = Date.now() - t0;
  results.push({ name: c.name, ok: ctx.failures.length === 0, failures: ctx.failures, notes: ctx.notes, ms });
  process.stderr.write(`[hostile] ${c.name}: ${ctx.failures.length ? 'FAIL' : 'pass'} (${ms} ms; ${ctx.notes.join('; ')})${ctx.failures.length ? '\n    - ' + ctx.failures.join('\n    - ') : ''}\n`);
  if (ctx.failures.length) assert.fail(`${c.name}: ${c.about}\n  - ${ctx.failures.join('\n  - ')}\n  (${ctx.notes.join('; ')})`);
}

// The standard flow: initialize must succeed, then tools/call 2,3,4 at once.
// `kind`: what each call must get ('result' | 'error' | 'any').
function standard(kind, { texts = { 2: 'two', 3: 'three', 4: 'four' }, init = 'result', after } = {}) {
  return async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) { ctx.failures.push('initialize got no response'); return; }
    expectAnswer(h, 1, init, undefined, ctx.failures);
    h.notify('notifications/initialized');
    const ids = Object.keys(texts).map(Number);
    const rs = await Promise.all(ids.map((id) => h.call(id, texts[id])));
    ctx.notes.push(`calls answered in ${rs.map((r) => (r.resp ? `${r.ms}${r.resp.error ? 'E' : r.resp.result ? 'R' : '?'}` : 'never')).join('/')} ms (R result, E error)`);
    for (const id of ids) expectAnswer(h, id, typeof kind === 'function' ? kind(id) : kind, texts[id], ctx.failures);
    if (after) await after(h, ctx);
  };
}

// ------------------------------------------------------------------ the cases
const CASES = [
  // ---- baselines: these must pass, or the harness is wrong
  { name: 'ok', about: 'baseline: a well-behaved server', flow: standard('result', {
    after: async (h, ctx) => { const { resp } = await h.request(5, 'tools/list'); if (!resp?.result?.tools) ctx.failures.push('tools/list: no tools'); await h.request(6, 'ping'); },
  }) },
  { name: 'sse-ok', about: 'baseline: the answer on an SSE stream with a priming event', flow: standard('result') },
  { name: 'host-string-ids', about: 'ids of every JSON type come back exactly (string, 0, negative, "3")', flow: async (h, ctx) => {
    await h.initialize('init-a');
    h.notify('notifications/initialized');
    const ids = ['a-2', 0, -7, '3', 'ünïcødé ✓'];
    await Promise.all(ids.map((id) => h.call(id, `t${JSON.stringify(id)}`)));
    for (const id of ids) expectAnswer(h, id, 'result', `t${JSON.stringify(id)}`, ctx.failures);
  } },

  // ---- from the bug report
  { name: 'post202', about: 'a POSTed request answered 202 with no body', flow: standard('error') },
  { name: 'both', about: 'a response with both result and error', flow: standard('any') },
  { name: 'comments-forever', about: 'SSE `: comment` every 200 ms forever, never the response', flow: async (h, ctx) => {
    await h.initialize(1); h.notify('notifications/initialized');
    const hang = h.call(2, 'hang');
    await sleep(1000);
    const three = await h.request(3, 'tools/call', { name: 'echo', arguments: { text: 'three' } }, 4000);
    if (!three.resp) ctx.failures.push('request 3 (sent while 2 hangs) got no answer within 4 s');
    else expectAnswer(h, 3, 'result', 'three', ctx.failures);
    const two = await hang;
    ctx.notes.push(`hanging call answered after ${two.resp ? two.ms : 'never (' + two.ms + ')'} ms`);
    if (!two.resp) ctx.failures.push(`the hanging call got no error within ${T_REQ} ms (--timeout ${TIMEOUT_S})`);
    else expectAnswer(h, 2, 'error', undefined, ctx.failures);
    const four = await h.call(4, 'four');
    if (!four.resp) ctx.failures.push('request 4 (after the hang) got no answer');
    else expectAnswer(h, 4, 'result', 'four', ctx.failures);
  } },
  { name: 'huge-retry', about: 'SSE event with id + retry: 999999999, then closed without the response (GET resume would deliver it)', flow: standard('any') },
  { name: 'ping-flood', about: '10,000 server→client pings on the call stream, then the response; the host answers every ping', answerPings: true, maxRequests: 10_100, testMs: 90_000, heavy: true,
    flow: async (h, ctx) => {
      await h.initialize(1); h.notify('notifications/initialized');
      const r = await h.request(2, 'tools/call', { name: 'echo', arguments: { text: 'after-pings' } }, 60_000);
      ctx.notes.push(`call answered after ${r.resp ? r.ms : 'never'} ms; host saw ${h.serverRequests} server requests, answered ${h.pingsAnswered}`);
      expectAnswer(h, 2, 'result', 'after-pings', ctx.failures);
      // Let the answers reach the server.
      const deadline = Date.now() + 15_000; let s;
      while (Date.now() < deadline) { s = await statsOf('ping-flood'); if (s.answerIds >= 10_000) break; await sleep(250); }
    },
    stats: (s, ctx, h) => {
      ctx.notes.push(`server got ${s.answerIds} distinct ping answers, maxConcurrent POSTs ${s.maxConcurrent}`);
      if (s.answerIds < 10_000) ctx.failures.push(`only ${s.answerIds}/10000 ping answers reached the server (host answered ${h.pingsAnswered}; the bridge answered the rest itself? then they should still reach the server)`);
      if (s.maxConcurrent > 64) ctx.failures.push(`${s.maxConcurrent} POSTs in flight at once to the server (bound 64)`);
    } },
  { name: 'reset-init', about: 'the connection is reset on the first initialize only', flow: async (h, ctx) => {
    const first = await h.initialize(1);
    let initId = 1;
    if (!first.resp) { ctx.failures.push('the first initialize got no response'); return; }
    if (first.resp.error) {
      ctx.notes.push('first initialize -> error; re-initializing');
      initId = 10;
      const second = await h.initialize(10);
      if (!second.resp) { ctx.failures.push('the second initialize got no response'); return; }
      expectAnswer(h, 10, 'result', undefined, ctx.failures);
    } else ctx.notes.push('first initialize retried to a result');
    h.notify('notifications/initialized');
    await Promise.all([2, 3, 4].map((id) => h.call(id, `r${id}`)));
    for (const id of [2, 3, 4]) expectAnswer(h, id, 'result', `r${id}`, ctx.failures);
    void initId;
  } },
  { name: 'get-retry0', about: 'the GET stream sends `retry: 0` and closes at once, every time', flow: async (h, ctx) => {
    await h.initialize(1); h.notify('notifications/initialized');
    const t0 = Date.now(); const s0 = await statsOf('get-retry0');
    await sleep(5000);
    const s1 = await statsOf('get-retry0');
    const gets = (s1.byMethod.GET ?? 0) - (s0.byMethod.GET ?? 0);
    const rate = gets / ((Date.now() - t0) / 1000);
    ctx.notes.push(`${gets} GETs in 5 s = ${rate.toFixed(1)} GETs/s`);
    if (rate > 5) ctx.failures.push(`GET reconnect rate ${rate.toFixed(1)}/s (bound 5/s)`);
    await h.call(2, 'still-alive');
    expectAnswer(h, 2, 'result', 'still-alive', ctx.failures);
  }, maxRequests: 100_000 },
  { name: 'wrong-id', about: 'the response to the call comes back with id+1000', flow: standard((id) => (id === 2 ? 'error' : 'result'), { texts: { 2: 'wrong', 3: 'three', 4: 'four' } }) },
  { name: 'string-id', about: 'the response to numeric id comes back as a string ("2" for 2)', flow: standard((id) => (id === 2 ? 'any' : 'result'), { texts: { 2: 'wrong', 3: 'three', 4: 'four' } }) },
  { name: 'inflight-eof', about: 'stdin closes while a call is in flight (the server never answers)', protocolOpts: { allowMissing: [2] }, flow: async (h, ctx) => {
    await h.initialize(1); h.notify('notifications/initialized');
    h.sent.set('2', { t: Date.now(), method: 'tools/call' });
    h.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !((await statsOf('inflight-eof')).byRpc['tools/call'] >= 1)) await sleep(50);
    await sleep(200);
  } },
  { name: 'always-401', about: 'every POST is 401 with PRM → AS with DCR; the sign-in cannot complete', args: ['--auth-timeout', '2', '--token-store', 'file'],
    flow: async (h, ctx) => {
      // A host that retries: initialize up to 5 times.
      for (let id = 1; id <= 5; id++) {
        const { resp, ms } = await h.request(id, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'hostile-host', version: '1' } }, 15_000);
        if (!resp) { ctx.failures.push(`initialize ${id} got no response within 15 s`); break; }
        ctx.notes.push(`init ${id}: ${resp.error ? 'error' : 'result'} in ${ms} ms`);
        if (resp.result) break;
      }
    },
    testMs: 120_000,
    stats: (s, ctx) => {
      const regs = Object.entries(s.byPath).filter(([p]) => p.endsWith('/register')).reduce((a, [, n]) => a + n, 0);
      ctx.notes.push(`${regs} client registrations`);
      if (regs > 1) ctx.failures.push(`${regs} dynamic client registrations across 5 host requests (want at most 1)`);
    } },

  // ---- bodies
  { name: 'truncated-body', about: 'Content-Length larger than what is sent, then the socket closes', flow: standard('error') },
  { name: 'body-50mb', about: 'a VALID 50 MB JSON response (relaying it needs memory; bound 256 MiB)', rssMiB: 256, heavy: true, testMs: 90_000, flow: standard('any') },
  // Until its end shows it is broken, an unterminated 50 MB body costs what a
  // valid one does: the bridge caps a body at 128 MiB (as a host line), not 50 MB.
  { name: 'body-50mb-unterminated', about: '50 MB of a JSON string that never ends (the same budget as a valid 50 MB body: 256 MiB)', rssMiB: 256, heavy: true, testMs: 90_000, flow: standard('error') },
  { name: 'nested-100k', about: 'a response with JSON nested 100,000 deep', flow: standard('any') },
  { name: 'not-utf8', about: 'a JSON body with invalid UTF-8 inside a string', flow: standard('any') },
  { name: 'not-jsonrpc', about: 'the body is JSON but not JSON-RPC ({"foo":1})', flow: standard('error') },
  { name: 'jsonrpc-1.0', about: 'the response says jsonrpc "1.0"', flow: standard('any') },
  { name: 'batch-unrelated', about: 'a JSON array of responses to ids nobody sent', flow: standard('error') },
  { name: 'null-id', about: 'a result with id null', flow: standard('error') },
  { name: 'result-missing', about: 'a response with neither result nor error', flow: standard('error') },
  { name: 'error-no-code', about: 'an error object without a code', flow: standard('error') },
  { name: 'error-code-string', about: 'an error whose code is a string', flow: standard('error') },
  { name: 'null-id-error', about: 'a parse-error style response: id null + error', flow: standard('error') },
  { name: 'float-id', about: 'the response id comes back as 2.0 for 2', flow: standard('any') },
  { name: 'dup-response', about: 'the same response twice (and then an error) on one SSE stream', flow: standard('result') },
  { name: 'swapped', about: 'each of two concurrent calls\' POSTs answered with the other call\'s response', flow: async (h, ctx) => {
    await h.initialize(1); h.notify('notifications/initialized');
    await Promise.all([h.call(2, 'A'), (async () => { await sleep(150); return h.call(3, 'B'); })()]);
    expectAnswer(h, 2, 'any', 'A', ctx.failures);
    expectAnswer(h, 3, 'any', 'B', ctx.failures);
  } },

  // ---- content types and encodings
  { name: 'ct-json-sends-sse', about: 'Content-Type: application/json, body is an SSE event', flow: standard('any') },
  { name: 'ct-sse-sends-json', about: 'Content-Type: text/event-stream, body is bare JSON (no data: line) then EOF', flow: standard('error') },
  { name: 'ct-missing', about: 'no Content-Type, a JSON body', flow: standard('any') },
  { name: 'gzip-lie', about: 'Content-Encoding: gzip on a plain JSON body', flow: standard('any') },
  { name: 'gzip-bomb', about: 'a real gzip body inflating to 200 MB of whitespace before the JSON', heavy: true, testMs: 90_000, flow: standard('any') },

  // ---- SSE
  { name: 'sse-garbage', about: 'garbage lines, unknown fields, bad retry values, then a valid event (spec: ignore the junk)', flow: standard('result') },
  { name: 'sse-bad-utf8', about: 'invalid UTF-8 in an ignored SSE field and comment, then a valid event', flow: standard('any') },
  { name: 'sse-event-20mb', about: 'one 20 MB SSE event carrying the response (bound 160 MiB)', rssMiB: 160, heavy: true, testMs: 90_000, flow: standard('any') },
  { name: 'sse-multiline-data', about: 'the response pretty-printed over many data: lines (stdout must stay one line per message)', flow: standard('result') },
  { name: 'sse-endpoint-noise', about: '`event: endpoint` events pointing at the other origin before the response', flow: standard('result') },
  { name: 'sse-crlf', about: 'an SSE stream with CRLF line endings (spec-legal)', flow: standard('result') },
  { name: 'sse-cr-only', about: 'an SSE stream with bare CR line endings (spec-legal)', flow: standard('any') },
  { name: 'sse-unterminated', about: 'the only event lacks its blank line before EOF', flow: standard('any') },
  { name: 'resume-loop', about: 'the call stream closes after an id every time; every GET resume closes again', flow: standard('error', {
    after: async (h, ctx) => {
      const s0 = await statsOf('resume-loop'); await sleep(2000); const s1 = await statsOf('resume-loop');
      const more = s1.resumes - s0.resumes;
      ctx.notes.push(`${s1.resumes} resume GETs in all; ${more} in the 2 s after every call was answered`);
      if (more > 3) ctx.failures.push(`still resuming after the calls were answered: ${more} GETs in 2 s`);
    } }),
    maxRequests: 200,
    stats: (s, ctx) => {
      const ts = s.getTimestamps; const span = ts.length > 1 ? (ts[ts.length - 1] - ts[0]) / 1000 : 1;
      const rate = ts.length / Math.max(span, 1);
      ctx.notes.push(`resume GET rate ${rate.toFixed(1)}/s`);
      if (rate > 10) ctx.failures.push(`resume GET rate ${rate.toFixed(1)}/s (bound 10/s)`);
    } },
  { name: 'notif-flood', about: '100,000 notifications/message on the call stream, then the response', heavy: true, testMs: 120_000,
    flow: async (h, ctx) => {
      await h.initialize(1); h.notify('notifications/initialized');
      const r = await h.request(2, 'tools/call', { name: 'echo', arguments: { text: 'after-flood' } }, 90_000);
      ctx.notes.push(`call answered after ${r.resp ? r.ms : 'never'} ms; host got ${h.notifications} notifications`);
      expectAnswer(h, 2, 'result', 'after-flood', ctx.failures);
      if (h.notifications !== 100_000) ctx.failures.push(`host got ${h.notifications} of 100000 notifications`);
    } },
  { name: 'srv-req-flood', about: '10,000 server→client roots/list requests (unique ids) the host never answers, then the response', heavy: true, testMs: 90_000,
    flow: async (h, ctx) => {
      await h.initialize(1); h.notify('notifications/initialized');
      const r = await h.request(2, 'tools/call', { name: 'echo', arguments: { text: 'after-requests' } }, 60_000);
      ctx.notes.push(`call answered after ${r.resp ? r.ms : 'never'} ms; host saw ${h.serverRequests} server requests`);
      expectAnswer(h, 2, 'result', 'after-requests', ctx.failures);
    } },
  { name: 'inflight-eof-sse', about: 'stdin closes while a call\'s SSE stream is open and silent', protocolOpts: { allowMissing: [2] }, flow: async (h) => {
    await h.initialize(1); h.notify('notifications/initialized');
    h.sent.set('2', { t: Date.now(), method: 'tools/call' });
    h.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !((await statsOf('inflight-eof-sse')).byRpc['tools/call'] >= 1)) await sleep(50);
    await sleep(200);
  } },

  // ---- HTTP status, redirects, retries
  { name: 'redirect-other', about: '307 on tools/call to another origin', flow: standard('error') },
  { name: 'redirect-other-init', about: '307 on initialize to another origin', flow: async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) ctx.failures.push('initialize got no response');
  } },
  { name: 'redirect-loop', about: '307 to the same origin, forever (?n=1,2,3…)', flow: standard('error'), maxRequests: 60 },
  { name: 'redirect-404', about: '301 to a path that 404s', flow: standard('error') },
  { name: 'html-500', about: 'HTTP 500 with an HTML page', flow: standard('error'),
    stats: (s, ctx, h) => { if (/<script>|<!DOCTYPE/i.test(h.stderr)) ctx.notes.push('(stderr echoes the HTML body)'); } },
  { name: 'retry-after-429', about: '429 with Retry-After: 100000', flow: standard('error'),
    stats: (s, ctx) => { const n = s.byRpc['tools/call'] ?? 0; ctx.notes.push(`${n} tools/call POSTs`); if (n > 15) ctx.failures.push(`${n} tools/call POSTs for 3 calls (bound 15)`); } },
  { name: '503-forever', about: 'every call answered 503', flow: standard('error'),
    stats: (s, ctx) => { const n = s.byRpc['tools/call'] ?? 0; ctx.notes.push(`${n} tools/call POSTs`); if (n > 15) ctx.failures.push(`${n} tools/call POSTs for 3 calls (bound 15)`); } },
  { name: 'conn-reset-call', about: 'the socket is destroyed on every tools/call', flow: standard('error'),
    stats: (s, ctx) => { const n = s.byRpc['tools/call'] ?? 0; ctx.notes.push(`${n} tools/call POSTs`); if (n > 6) ctx.failures.push(`${n} tools/call POSTs for 3 non-idempotent calls (bound 6: at most one retry each)`); } },
  { name: 'empty-200', about: 'a call answered 200 application/json with an empty body', flow: standard('error') },
  { name: 'init-202', about: 'initialize answered 202 with no body', flow: async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) ctx.failures.push('initialize got no response');
    else expectAnswer(h, 1, 'error', undefined, ctx.failures);
  } },
  { name: 'init-no-version', about: 'the initialize result has no protocolVersion', flow: async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) { ctx.failures.push('initialize got no response'); return; }
    h.notify('notifications/initialized');
    await Promise.all([2, 3].map((id) => h.call(id, `v${id}`)));
    for (const id of [2, 3]) expectAnswer(h, id, 'any', `v${id}`, ctx.failures);
  } },
  { name: 'session-expired-loop', about: 'every request after initialize gets 404 (session "expired"), forever', flow: standard('error'),
    stats: (s, ctx) => { const n = s.byRpc.initialize ?? 0; ctx.notes.push(`${n} initialize POSTs`); if (n > 4) ctx.failures.push(`${n} initialize POSTs: the bridge re-initializes without bound (want ≤ 1 + one per host request = 4)`); } },
  { name: 'notif-error-body', about: 'notification POSTs answered 400 with a JSON-RPC error body (no id)', flow: standard('result') },
  { name: 'notif-error-200', about: 'notification POSTs answered 200 with {"id":null,"error":…}', flow: standard('result') },
  { name: 'delete-hang', about: 'the DELETE at shutdown is never answered', flow: standard('result') },
  { name: 'get-hang', about: 'the GET stream is open and silent at shutdown', flow: standard('result') },

  // ---- headers and raw sockets
  { name: 'header-flood', about: '1000 response headers', flow: standard('any') },
  { name: 'header-1mb', about: 'one 1 MB response header', flow: standard('any') },
  { name: 'huge-session-id', about: 'a 64 KiB mcp-session-id', flow: async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) { ctx.failures.push('initialize got no response'); return; }
    h.notify('notifications/initialized');
    if (resp.result) { await Promise.all([2, 3].map((id) => h.call(id, `h${id}`))); for (const id of [2, 3]) expectAnswer(h, id, 'any', `h${id}`, ctx.failures); }
  } },
  { name: 'session-ctl', about: 'a session id with ESC/DEL/control characters (raw HTTP)', flow: async (h, ctx) => {
    const { resp } = await h.initialize(1);
    if (!resp) { ctx.failures.push('initialize got no response'); return; }
    h.notify('notifications/initialized');
    if (resp.result) { await h.call(2, 'c2'); expectAnswer(h, 2, 'any', 'c2', ctx.failures); }
  }, stats: (s, ctx, h) => { if (h.stderr.includes('\x1b[31m')) ctx.failures.push('stderr carries the server\'s raw ESC sequence (log injection)'); } },
  { name: 'slowloris', about: 'response headers drip one byte per second', flow: standard('error') },
  { name: 'status-then-hang', about: 'a status line, then nothing', flow: standard('error') },
  { name: 'chunked-garbage', about: 'chunked encoding with garbage chunk sizes', flow: standard('error') },
  { name: 'close-mid-chunk', about: 'the connection closes in the middle of a chunk', flow: standard('error') },
];

// ------------------------------------------------------------------ wiring
const selected = CASES.filter((c) => !ONLY || ONLY.has(c.name));
const light = selected.filter((c) => !c.heavy);
const heavy = selected.filter((c) => c.heavy);

before(async () => {
  assert.ok(fs.existsSync(BIN), `no binary at ${BIN} (set MCP_TETHER_BIN)`);
  server = await startServer();
  PORT = server.port; OTHER = server.otherPort;
});

after(async () => {
  // 4, globally: nothing at all reached the other origin from any case.
  try {
    const other = await lab('/_lab/other');
    if (other.length) process.stderr.write(`[hostile] other origin received in total: ${other.map((e) => `${e.method} ${e.path}`).join(', ')}\n`);
  } catch {}
  server?.child.stdin.end();
  server?.child.kill('SIGTERM');
  const order = new Map(CASES.map((c, i) => [c.name, i]));
  results.sort((a, b) => order.get(a.name) - order.get(b.name));
  const lines = ['', '| case | result | notes / first failure |', '|---|---|---|'];
  for (const r of results) lines.push(`| ${r.name} | ${r.ok ? 'pass' : 'FAIL'} | ${(r.ok ? r.notes.join('; ') : r.failures[0] + (r.failures.length > 1 ? ` (+${r.failures.length - 1} more)` : '') + ' — ' + r.notes.join('; ')).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  lines.push('', `${results.filter((r) => r.ok).length}/${results.length} passed`);
  process.stderr.write(lines.join('\n') + '\n');
  if (process.env.HOSTILE_REPORT) fs.writeFileSync(process.env.HOSTILE_REPORT, JSON.stringify(results, null, 2));
});

describe('hostile server: light cases (4 at a time)', { concurrency: 4 }, () => {
  for (const c of light) it(`${c.name}: ${c.about}`, { timeout: c.testMs ?? 45_000 }, () => run(c));
});
describe('hostile server: heavy cases (one at a time)', { concurrency: 1 }, () => {
  for (const c of heavy) it(`${c.name}: ${c.about}`, { timeout: c.testMs ?? 90_000 }, () => run(c));
});
describe('hostile server: the other origin', () => {
  it('received nothing from any case', async () => {
    const other = await lab('/_lab/other');
    assert.deepEqual(other.map((e) => `${e.method} ${e.path}`), []);
  });
});
