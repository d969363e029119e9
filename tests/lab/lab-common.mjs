// Shared plumbing for the mcp-tether lab servers: argument parsing, the
// request log behind /_lab/log, body reading, and process lifetime
// (exit on SIGTERM/SIGINT and when stdin closes).

import fs from 'node:fs';
import tty from 'node:tty';

/**
 * Parse `--port N` / `--port=N` plus boolean and valued flags. `valued` names
 * further flags that take a (string) value: `--name V` or `--name=V`; they
 * land in `values[name]`.
 */
export function parseArgs(argv = process.argv.slice(2), valued = []) {
  const out = { port: 0, flags: new Set(), values: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      die(`unexpected argument: ${a}`);
    }
    let [name, value] = a.slice(2).split(/=(.*)/s, 2);
    if (name === 'port' || name === 'retry-ms') {
      if (value === undefined) value = argv[++i];
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) die(`--${name} needs a non-negative integer, got ${value}`);
      if (name === 'port') out.port = n;
      else out.values[name] = n;
    } else if (valued.includes(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) die(`--${name} needs a value`);
        value = argv[++i];
      }
      out.values[name] = value;
    } else {
      out.flags.add(name);
    }
  }
  return out;
}

export function die(msg) {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
}

export function log(name, ...parts) {
  process.stderr.write(`[${name}] ${parts.join(' ')}\n`);
}

/**
 * The request log. Entries are created when a request arrives (so order is
 * arrival order) and their `status` is read from the live response when the
 * log is serialised: a still-open SSE stream already shows its 200, a request
 * whose response has not started yet (e.g. a hanging call) shows null.
 */
export class RequestLog {
  constructor() {
    this.entries = [];
  }

  add(req, body, res) {
    const entry = {
      method: req.method,
      path: req.url,
      headers: { ...req.headers }, // node already lower-cases header names
      body: body === undefined ? null : body,
      res,
      extra: undefined,
    };
    this.entries.push(entry);
    return entry;
  }

  clear() {
    this.entries = [];
  }

  toJSON() {
    return this.entries.map((e) => {
      const o = {
        method: e.method,
        path: e.path,
        headers: e.headers,
        body: e.body,
        status: e.res.headersSent ? e.res.statusCode : null,
      };
      if (e.extra !== undefined) o.extra = e.extra;
      return o;
    });
  }
}

/** Read a request body fully; returns a Buffer. */
export function readBody(req, limit = 16 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON.parse or undefined (for the log: unparsable/empty bodies log as null). */
export function tryParseJson(buf) {
  if (!buf || buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The request body as an object: a form (OAuth endpoints) or JSON; null if neither. */
export async function readFormOrJson(req) {
  const raw = await readBody(req).catch(() => Buffer.alloc(0));
  return req.headers['content-type']?.includes('x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(raw.toString('utf8')))
    : (tryParseJson(raw) ?? null);
}

export function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * Handle the /_lab/* control endpoints shared by every server. Returns true
 * when the request was a control request (and has been answered).
 * `extra` maps "METHOD /_lab/name" to additional handlers.
 */
export async function handleLabControl(req, res, requestLog, extra = {}) {
  const path = req.url.split('?')[0];
  if (!path.startsWith('/_lab/')) return false;
  await readBody(req).catch(() => undefined);
  const key = `${req.method} ${path}`;
  if (key === 'GET /_lab/log') {
    sendJson(res, 200, requestLog.toJSON());
  } else if (key === 'POST /_lab/reset-log') {
    requestLog.clear();
    sendJson(res, 200, { ok: true });
  } else if (extra[key]) {
    const result = await extra[key](req, res);
    if (!res.headersSent) sendJson(res, 200, result ?? { ok: true });
  } else {
    sendJson(res, 404, { error: `no lab endpoint ${key}` });
  }
  return true;
}

/**
 * Listen on 127.0.0.1:<port>, print the one JSON line on stdout, and wire up
 * the ways the process ends. `urlPath` is the MCP endpoint path.
 */
export function listenAndAnnounce(server, { name, port, urlPath, onShutdown, announce }) {
  let shuttingDown = false;
  const shutdown = (why) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(name, `shutting down (${why})`);
    // Best effort: let onShutdown close transports, but never wait long.
    Promise.resolve()
      .then(() => onShutdown?.())
      .catch(() => {})
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A parent that stops reading our stdout must not crash us with EPIPE.
  process.stdout.on('error', () => {});

  // Exit when stdin closes, so a test that spawned us (with a piped stdin)
  // never leaks us. If stdin is /dev/null (a non-tty character device) it
  // would read EOF immediately, so in that case we do not watch it.
  let watchStdin = true;
  try {
    const st = fs.fstatSync(0);
    if (st.isCharacterDevice() && !tty.isatty(0)) watchStdin = false;
  } catch {
    watchStdin = false; // no fd 0 at all
  }
  if (watchStdin) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('close', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  } else {
    log(name, 'stdin is /dev/null or absent: not watching it for EOF');
  }

  server.on('error', (err) => die(`[${name}] listen failed: ${err.message}`));
  // `announce(port)` (optional, may be async) builds the announce object
  // instead of {port, url}; it runs after listen, so it can use the port.
  server.listen(port, '127.0.0.1', async () => {
    const actual = server.address().port;
    let line;
    try {
      line = announce ? await announce(actual) : { port: actual, url: `http://127.0.0.1:${actual}${urlPath}` };
    } catch (e) {
      die(`[${name}] startup failed: ${e.stack ?? e}`);
    }
    process.stdout.write(JSON.stringify(line) + '\n');
    log(name, `listening on 127.0.0.1:${actual}`);
  });
}
