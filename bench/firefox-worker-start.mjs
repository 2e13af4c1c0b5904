// How often a Web Worker hangs for good while it starts, in Firefox ESR: the reason web/training.js watches
// a threaded start (docs/browsers.md). Each start is a fresh module worker in one page; a start counts as
// hung when it has not reported within HANG_MS and then does not answer a ping either (its event loop is
// blocked, so no wait would help). Modes:
//   nested   a worker that only creates three nested workers (what the threaded build does first)
//   mt       a worker that loads the threaded build (lenet-mt, whose pool is three helper threads)
//   simd     a worker that loads the single-threaded build
//   trainer  the Trainer of web/training.js with threads: 'all': started threaded, started on one thread
//            after its watch replaced a hung worker, or failed
// Usage: node bench/firefox-worker-start.mjs [starts per mode] [modes...]   (defaults: 200, all four)
// Needs the built dist/ (npm run build) and Debian's firefox-esr.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { repo, startServer } from '../tests/browser/helpers.mjs';

const HANG_MS = 10_000;
const [count = '200', ...chosen] = process.argv.slice(2);
const N = Number(count);
const modes = chosen.length ? chosen : ['nested', 'mt', 'simd', 'trainer'];

// The probe workers sit beside the built files, in a copy of dist/ (a module worker loads same-origin files).
const root = mkdtempSync(join(tmpdir(), 'lenet-ffstart-'));
cpSync(join(repo, 'dist'), root, { recursive: true });
const probe = (body) => `self.onmessage = () => postMessage('pong');\n${body}\npostMessage('up');\n`;
writeFileSync(join(root, 'probe-nested.js'), probe(
  "for (let i = 0; i < 3; i++) new Worker(new URL('lenet-mt.worker.js', import.meta.url).href);"));
for (const build of ['mt', 'simd']) {
  writeFileSync(join(root, `probe-${build}.js`), probe(`const base = new URL('./', import.meta.url);
const factory = (await import(new URL('lenet-${build}.mjs', base).href)).default;
await factory({ locateFile: (path) => new URL(path, base).href });`));
}

const server = await startServer({ root });
const browser = await puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: '/usr/bin/firefox-esr', headless: true });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}embed.html`, { waitUntil: 'load' });
  if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: no threaded build');
  for (const mode of modes) {
    const counts = {};
    // In rounds of 10 starts per evaluate(), so no single call runs for minutes.
    for (let done = 0; done < N; done += 10) {
      const results = await page.evaluate(async (mode, n, hangMs) => {
        const out = [];
        for (let i = 0; i < n; i++) {
          if (mode === 'trainer') {
            const { Trainer } = await import('./training.js');
            const t = new Trainer();
            let fellBack = false;
            t.addEventListener('fallback', () => (fellBack = true));
            out.push(await new Promise((resolve) => {
              t.addEventListener('started', (e) => resolve(fellBack ? `one thread after a hung start` : `started on ${e.detail.threads} threads`));
              for (const type of ['failed', 'crashed']) t.addEventListener(type, (e) => resolve(`${type}: ${e.detail.message}`));
              t.start({ preset: 'modern', epochs: 1, subset: 256, threads: 'all' });
            }));
            t.reset();
            continue;
          }
          const w = new Worker(`probe-${mode}.js`, { type: 'module' });
          out.push(await new Promise((resolve) => {
            w.onerror = (e) => resolve(`error: ${e.message}`);
            w.onmessage = ({ data }) => data === 'up' && resolve('started');
            setTimeout(() => {
              w.onmessage = ({ data }) => data === 'pong' && resolve('slow, not hung');
              w.postMessage('ping');
              setTimeout(() => resolve('hung'), 3000);
            }, hangMs);
          }));
          w.terminate();
        }
        return out;
      }, mode, Math.min(10, N - done), HANG_MS);
      for (const r of results) counts[r] = (counts[r] ?? 0) + 1;
    }
    console.log(mode.padEnd(8), JSON.stringify(counts));
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
