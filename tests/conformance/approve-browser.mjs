// The conformance host's "browser": the suite's authorization servers approve
// at once, so this fetches the authorization URL and follows redirects until it
// lands on mcp-tether's loopback callback, then fetches that too. mcp-tether
// runs it as $BROWSER with the URL as the last argument.
const MAX_HOPS = 10;

let url = process.argv[process.argv.length - 1];
try {
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const res = await fetch(url, { redirect: 'manual' });
    const next = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && next) {
      url = new URL(next, url).href;
      continue;
    }
    process.stderr.write(`[approve-browser] ${res.status} at ${url}\n`);
    break;
  }
} catch (e) {
  process.stderr.write(`[approve-browser] ${e.message} at ${url}\n`);
}
