// Sum up the suite's checks.json files under a results directory, for both
// conformance jobs (tests/conformance/run.sh and tests/conformance-next/run.sh).
//
//   node read-checks.mjs DIR
//
// Prints "<failures> <warnings> <successes>\t<reasons>", where reasons is
// "STATUS id: message" for each FAILURE and WARNING, joined by " | "; or
// "missing" when no checks.json was written.
import fs from 'node:fs';
import path from 'node:path';

let failures = 0;
let warnings = 0;
let successes = 0;
let files = 0;
const reasons = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name === 'checks.json') {
      files++;
      for (const c of JSON.parse(fs.readFileSync(p, 'utf8'))) {
        if (c.status === 'FAILURE') failures++;
        else if (c.status === 'WARNING') warnings++;
        else if (c.status === 'SUCCESS') successes++;
        if (c.status === 'FAILURE' || c.status === 'WARNING') {
          const msg = c.errorMessage || c.details?.message || c.description || '';
          reasons.push(`${c.status} ${c.id}: ${String(msg).replace(/\s+/g, ' ')}`);
        }
      }
    }
  }
};
walk(process.argv[2]);
console.log(files ? `${failures} ${warnings} ${successes}\t${reasons.join(' | ')}` : 'missing');
