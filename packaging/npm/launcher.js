#!/usr/bin/env node
// The `mcp-tether` command of the npm package: runs the prebuilt native
// binary from the per-platform package that npm installed beside this one
// (optionalDependencies with `os`/`cpu`, the esbuild/Biome pattern).
//
// stdin, stdout and stderr are the MCP protocol, so the child inherits this
// process's file descriptors: nothing is read, buffered or written here.
// SIGINT/SIGTERM/SIGHUP are passed on to the child, and this process ends
// the way the child ended (its exit code, or the same signal).
//
// MCP_TETHER_BINARY=/path/to/mcp-tether runs that binary instead.
'use strict';

const { spawn } = require('child_process');
const path = require('path');

const SUPPORTED = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];

function fail(message) {
  process.stderr.write(`mcp-tether (npm launcher): ${message}\n`);
  process.exit(1);
}

function findBinary() {
  const override = process.env.MCP_TETHER_BINARY;
  if (override) return override;

  const platform = `${process.platform}-${process.arch}`;
  const exe = process.platform === 'win32' ? 'mcp-tether.exe' : 'mcp-tether';
  if (!SUPPORTED.includes(platform)) {
    fail(
      `there is no prebuilt binary for this platform (${platform}); prebuilt: ${SUPPORTED.join(', ')}.\n` +
        'Build it from source with `cargo install mcp-tether` (needs a Rust toolchain) and run that binary,\n' +
        'or point MCP_TETHER_BINARY at a binary you built.'
    );
  }
  const pkg = `@mcp-tether/${platform}`;
  let pkgJson;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`);
  } catch {
    fail(
      `the package ${pkg}, which holds the binary for this platform (${platform}), is not installed.\n` +
        'npm installs it as an optional dependency of mcp-tether; it is left out when optional dependencies\n' +
        'are omitted (--no-optional, --omit=optional, NODE_ENV/production settings) or when a lockfile made on\n' +
        'another platform is reused. Reinstall with optional dependencies, e.g. `npm install mcp-tether`\n' +
        '(or clear the npx cache: `npx clear-npx-cache`, then `npx -y mcp-tether`), or set MCP_TETHER_BINARY\n' +
        'to the path of an mcp-tether binary.'
    );
  }
  return path.join(path.dirname(pkgJson), 'bin', exe);
}

const binary = findBinary();
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', windowsHide: true });

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  // The child may already be gone; then its 'exit' is on its way.
  try {
    child.kill(signal);
  } catch {
    /* ignore */
  }
};
for (const signal of FORWARDED) process.on(signal, forward);

child.on('error', (err) => {
  fail(`could not start ${binary}: ${err.message}`);
});

child.on('exit', (code, signal) => {
  for (const s of FORWARDED) process.removeListener(s, forward);
  if (signal) {
    // End the same way, so the host sees what it would have seen without us.
    process.kill(process.pid, signal);
    // If the signal did not end us (e.g. it is ignored here), fall back to the
    // shell convention.
    const num = require('os').constants.signals[signal] || 0;
    setTimeout(() => process.exit(128 + num), 100);
    return;
  }
  process.exit(code === null ? 1 : code);
});
