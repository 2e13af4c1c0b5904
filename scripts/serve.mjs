// Serves the assembled page (build/site) on http://localhost:$PORT (default 8080; PORT=0 picks a free port).
// node:http only. Every response carries a strict Content-Security-Policy; see cspHeader below.
//
//   node scripts/serve.mjs [--no-assemble] [--root DIR]
//   HOST (default 127.0.0.1) picks the interface.
import { createReadStream, statSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { assembleSite } from './assemble-site.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// 'wasm-unsafe-eval' lets WebAssembly.instantiate compile the module; nothing else may evaluate strings
// (the wasm build is made with Embind's dynamic execution off). Workers come from this origin only; style
// comes from style sheets only (scripts set element.style through the CSSOM, which CSP allows);
// blob: and data: images are the page's own canvas snapshots and downloads.
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  // The dataset is served as the gzip file it is (no Content-Encoding), so the page sees its true byte
  // count for the progress bar and inflates it with DecompressionStream.
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

// The file under root that a URL path names, or null. Refuses anything that would leave root: encoded
// or plain '..' segments, NUL bytes, backslashes, and symlinks pointing outside.
export function resolveUnder(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  let file = join(root, ...parts);
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    const real = realpathSync(file);
    if (real !== root && !real.startsWith(root + sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

export function createSiteServer(root) {
  const realRoot = realpathSync(root);
  return createServer((req, res) => {
    const common = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
      // Cross-origin isolation: SharedArrayBuffer, so the training worker can load the threaded build.
      // Everything the page loads is its own, so requiring CORP costs nothing; same-origin CORP keeps
      // other sites from embedding these files as resources.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed\n', { ...common, Allow: 'GET, HEAD' });
      return;
    }
    const file = resolveUnder(realRoot, req.url || '/');
    if (!file) {
      send(res, 404, 'Not found\n', common);
      return;
    }
    const type = MIME[extname(file).toLowerCase()] || 'application/octet-stream';
    const size = statSync(file).size;
    res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
}

function main() {
  const args = process.argv.slice(2);
  const rootArg = args.indexOf('--root');
  let root = join(repo, 'build/site');
  if (rootArg >= 0) root = resolve(args[rootArg + 1]);
  else if (!args.includes('--no-assemble')) assembleSite({ log: (m) => console.log(m) });

  const port = process.env.PORT === undefined || process.env.PORT === '' ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT must be an integer 0..65535, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  const host = process.env.HOST || '127.0.0.1';
  const server = createSiteServer(root);
  server.on('error', (e) => {
    console.error(`serve: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const shown = host === '127.0.0.1' || host === '::1' || host === 'localhost' ? 'localhost' : host;
    console.log(`LeNet-5 page: http://${shown}:${server.address().port}/`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
