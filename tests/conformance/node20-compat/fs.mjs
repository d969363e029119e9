// node:fs plus a globSync stub, substituted for "fs" inside the conformance
// package on Node < 22 (see register.mjs).
import fs from 'node:fs';

export * from 'node:fs';
export default fs;

export function globSync() {
  throw new Error(
    'fs.globSync is not available on this Node version (' + process.version +
      '); the conformance `tier-check` command needs Node >= 22',
  );
}
