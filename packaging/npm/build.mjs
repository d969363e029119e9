#!/usr/bin/env node
// Writes the npm packages for one release of mcp-tether, ready for `npm pack`
// or `npm publish`:
//
//   node packaging/npm/build.mjs --binary PATH --version V --out DIR
//        [--platform linux-x64|linux-arm64|darwin-x64|darwin-arm64|win32-x64]
//        [--repository URL] [--no-main]
//
//   DIR/mcp-tether/              the main package `mcp-tether`: the launcher as `bin`,
//                                every platform package as an optionalDependency (= V)
//   DIR/mcp-tether-<platform>/   `@mcp-tether/<platform>` with `os`/`cpu` and the binary
//                                in bin/ (no `bin` entry, no scripts)
//
// --platform defaults to this machine's (`${process.platform}-${process.arch}`);
// the release passes it for each target. --no-main writes only the platform
// package. It prints the directories it wrote, one per line.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

// npm's platform key -> { os, cpu } of the package and the Rust target it is built from.
export const PLATFORMS = {
  'linux-x64': { os: 'linux', cpu: 'x64', target: 'x86_64-unknown-linux-musl' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', target: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', target: 'x86_64-apple-darwin' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', target: 'aarch64-apple-darwin' },
  'win32-x64': { os: 'win32', cpu: 'x64', target: 'x86_64-pc-windows-msvc' },
};

const DESCRIPTION =
  'Bridge stdio-only MCP hosts to remote Streamable HTTP MCP servers protected by OAuth 2.1';
const LICENSE = 'MIT OR Apache-2.0';
const LICENSE_FILES = ['LICENSE-MIT', 'LICENSE-APACHE'];

function die(msg) {
  process.stderr.write(`build.mjs: ${msg}\n`);
  process.exit(2);
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        binary: { type: 'string' },
        version: { type: 'string' },
        out: { type: 'string' },
        platform: { type: 'string', default: `${process.platform}-${process.arch}` },
        repository: { type: 'string' },
        'no-main': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    die(e.message);
  }
  const { binary, version, out, platform, repository } = values;
  if (!binary || !version || !out) die('usage: build.mjs --binary PATH --version V --out DIR [--platform P] [--repository URL] [--no-main]');
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) die(`not a semver version: ${version}`);
  const plat = PLATFORMS[platform];
  if (!plat) die(`no npm package for platform ${platform} (known: ${Object.keys(PLATFORMS).join(', ')})`);
  if (!fs.statSync(binary, { throwIfNoEntry: false })?.isFile()) die(`no binary at ${binary}`);

  const common = {
    version,
    description: DESCRIPTION,
    license: LICENSE,
    ...(repository ? { repository: { type: 'git', url: `git+${repository.replace(/\/$/, '')}.git` } } : {}),
  };
  const written = [];

  // The platform package.
  const platDir = path.join(out, `mcp-tether-${platform}`);
  fresh(platDir);
  const exe = plat.os === 'win32' ? 'mcp-tether.exe' : 'mcp-tether';
  fs.mkdirSync(path.join(platDir, 'bin'));
  fs.copyFileSync(binary, path.join(platDir, 'bin', exe));
  fs.chmodSync(path.join(platDir, 'bin', exe), 0o755);
  writeJson(path.join(platDir, 'package.json'), {
    name: `@mcp-tether/${platform}`,
    ...common,
    description: `The ${platform} binary of mcp-tether (installed by the mcp-tether package).`,
    os: [plat.os],
    cpu: [plat.cpu],
    preferUnplugged: true,
    files: ['bin/', ...LICENSE_FILES],
  });
  fs.writeFileSync(
    path.join(platDir, 'README.md'),
    `# @mcp-tether/${platform}\n\nThe prebuilt \`mcp-tether\` binary for ${platform} (Rust target \`${plat.target}\`).\n` +
      'Install [`mcp-tether`](https://www.npmjs.com/package/mcp-tether) instead: it picks this package on this platform.\n'
  );
  copyLicenses(platDir);
  written.push(platDir);

  // The main package.
  if (!values['no-main']) {
    const mainDir = path.join(out, 'mcp-tether');
    fresh(mainDir);
    fs.mkdirSync(path.join(mainDir, 'bin'));
    fs.copyFileSync(path.join(HERE, 'launcher.js'), path.join(mainDir, 'bin', 'mcp-tether.js'));
    fs.chmodSync(path.join(mainDir, 'bin', 'mcp-tether.js'), 0o755);
    writeJson(path.join(mainDir, 'package.json'), {
      name: 'mcp-tether',
      ...common,
      keywords: ['mcp', 'oauth', 'proxy', 'stdio', 'cli', 'model-context-protocol'],
      bin: { 'mcp-tether': 'bin/mcp-tether.js' },
      files: ['bin/', ...LICENSE_FILES],
      engines: { node: '>=18' },
      optionalDependencies: Object.fromEntries(Object.keys(PLATFORMS).map((p) => [`@mcp-tether/${p}`, version])),
    });
    fs.copyFileSync(path.join(HERE, 'README.md'), path.join(mainDir, 'README.md'));
    copyLicenses(mainDir);
    written.push(mainDir);
  }
  process.stdout.write(written.map((d) => path.resolve(d)).join('\n') + '\n');
}

function fresh(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}
function writeJson(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}
function copyLicenses(dir) {
  for (const f of LICENSE_FILES) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
