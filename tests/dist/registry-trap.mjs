// A stand-in "registry" for tests/dist/run.sh that must receive nothing: npm
// and pip are pointed at it, and every connection it gets is a fetch that an
// offline install should not have made. Listens on 127.0.0.1 (port from the OS),
// prints {"port":N} once, appends one line per connection to the file given as
// the first argument, answers 503, and exits on SIGTERM/SIGINT, or by itself
// after 15 minutes (so a killed run.sh can't leave it behind for long).
import fs from 'node:fs';
import http from 'node:http';

const record = process.argv[2];
if (!record) {
  console.error('usage: registry-trap.mjs RECORD_FILE');
  process.exit(2);
}
fs.writeFileSync(record, '');
const server = http.createServer((req, res) => {
  fs.appendFileSync(record, `${req.method} ${req.url}\n`);
  res.writeHead(503, { 'content-type': 'text/plain' });
  res.end('tests/dist: no registry here\n');
});
server.on('connection', () => fs.appendFileSync(record, 'connection\n'));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 15 * 60 * 1000).unref();
