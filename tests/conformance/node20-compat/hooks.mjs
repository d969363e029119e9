// Module customization hooks (see register.mjs). Runs on the loader thread.
const FS_COMPAT_URL = new URL('./fs.mjs', import.meta.url).href;
const CONFORMANCE_PKG = '/node_modules/@modelcontextprotocol/conformance/';

export async function resolve(specifier, context, nextResolve) {
  if (
    (specifier === 'fs' || specifier === 'node:fs') &&
    typeof context.parentURL === 'string' &&
    context.parentURL.includes(CONFORMANCE_PKG)
  ) {
    return { url: FS_COMPAT_URL, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
