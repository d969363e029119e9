// Preload for running @modelcontextprotocol/conformance 0.1.16 on Node 20.
//
//   node --import ./tests/conformance/node20-compat/register.mjs <conformance>/dist/index.js ...
//
// The suite's single bundled entry (dist/index.js) does
//   import { existsSync, globSync, ... } from "fs";
// at top level. fs.globSync only exists from Node 22, and a missing named
// export from a builtin is a link-time SyntaxError, so every subcommand dies,
// although only `tier-check` ever calls globSync. Patching the fs object at
// runtime cannot help: builtin ESM export names are fixed when Node starts.
//
// Instead we register a module resolve hook that, for imports of "fs" made by
// the conformance package only, substitutes fs.mjs (next to this file), which
// re-exports node:fs plus a globSync that throws a clear error if called.
// On Node versions that have fs.globSync this preload does nothing.
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  register('./hooks.mjs', import.meta.url);
}
