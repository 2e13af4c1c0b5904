// The static server: MIME types, the Content-Security-Policy on every response, and no way out of the
// site directory. Runs against a small temporary site, without a browser.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { browserSuite } from './helpers.mjs';

let dir;
const suite = browserSuite({ browser: false, server: () => ({ root: site() }) });
after(() => dir && rmSync(dir, { recursive: true, force: true }));

function site() {
  dir = mkdtempSync(join(tmpdir(), 'lenet-serve-'));
  const site = join(dir, 'site');
  mkdirSync(join(site, 'models'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(site, 'a.js'), 'export {};');
  writeFileSync(join(site, 'b.mjs'), 'export {};');
  writeFileSync(join(site, 'c.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  writeFileSync(join(site, 'models', 'm.bin'), Buffer.alloc(10));
  writeFileSync(join(dir, 'secret.txt'), 'outside the site');
  symlinkSync(join(dir, 'secret.txt'), join(site, 'link.txt'));
  return site;
}

// Raw request, so paths reach the server exactly as written (fetch would normalise '..').
function get(path, method = 'GET') {
  const { port } = new URL(suite.server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves files with the right MIME types', async () => {
  const cases = [
    ['/', 'text/html'], ['/index.html', 'text/html'], ['/a.js', 'text/javascript'], ['/b.mjs', 'text/javascript'],
    ['/c.wasm', 'application/wasm'], ['/models/m.bin', 'application/octet-stream'],
  ];
  for (const [path, type] of cases) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers['content-type'].startsWith(type), `${path}: ${r.headers['content-type']}`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const head = await get('/a.js', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal((await get('/a.js', 'POST')).status, 405);
  assert.equal((await get('/nope.js')).status, 404);
});

test('every response carries the strict Content-Security-Policy', async () => {
  for (const path of ['/', '/a.js', '/nope']) {
    const csp = (await get(path)).headers['content-security-policy'];
    assert.ok(csp, path);
    const d = Object.fromEntries(csp.split(';').map((s) => s.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(d['default-src'], ["'self'"]);
    assert.deepEqual(d['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
    assert.deepEqual(d['style-src'], ["'self'"]);
    assert.deepEqual(d['object-src'], ["'none'"]);
    assert.ok(!csp.includes("'unsafe-eval'") && !csp.includes("'unsafe-inline'"), csp);
  }
});

test('every response makes the page cross-origin isolated (for the threaded build)', async () => {
  for (const path of ['/', '/a.js', '/c.wasm', '/nope']) {
    const h = (await get(path)).headers;
    assert.equal(h['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(h['cross-origin-embedder-policy'], 'require-corp', path);
    assert.equal(h['cross-origin-resource-policy'], 'same-origin', path);
  }
});

test('no path leaves the site directory', async () => {
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/models/..%2f..%2fsecret.txt',
    '/%2e%2e%5csecret.txt', '/link.txt', '/index.html%00.js', '/%E0%A4%A']) {
    const r = await get(path);
    assert.equal(r.status, 404, `${path} -> ${r.status}`);
    assert.ok(!r.body.includes('outside the site'), path);
  }
});
