// Lays out build/site/: a self-contained static tree (no CDN; works offline) that serve.mjs serves.
//
//   build/site/                 web/* (the page's modules, index.html, style.css)
//   build/site/lenet-*.mjs|wasm the Emscripten builds, next to lenet.js, which imports them as './lenet-simd.mjs'
//   build/site/models/*.bin     the shipped models
//   build/site/data/            the MNIST subset the page trains on (gzip; the page inflates it itself)
//   build/site/vendor/          uPlot, the charting library
//
// Missing optional inputs (models, data) are reported, not fatal: the page tells the visitor what is missing.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const WASM_FILES = ['lenet-simd.mjs', 'lenet-simd.wasm', 'lenet-nosimd.mjs', 'lenet-nosimd.wasm',
  'lenet-mt.mjs', 'lenet-mt.wasm', 'lenet-mt.worker.js'];
const VENDOR_FILES = [
  ['node_modules/uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['node_modules/uplot/dist/uPlot.min.css', 'uPlot.min.css'],
];
const DATA_FILE = 'build/web-data/mnist-subset.bin.gz';
// Type declarations are for editors, not for the browser.
const WEB_SKIP = new Set(['lenet.d.ts']);

export function assembleSite({ repo = root, out = join(repo, 'build/site'), log = console.log } = {}) {
  const missing = [];
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'models'), { recursive: true });
  mkdirSync(join(out, 'data'), { recursive: true });
  mkdirSync(join(out, 'vendor'), { recursive: true });

  for (const name of readdirSync(join(repo, 'web'))) {
    if (!WEB_SKIP.has(name)) cpSync(join(repo, 'web', name), join(out, name), { recursive: true });
  }
  for (const name of WASM_FILES) {
    const src = join(repo, 'build/wasm', name);
    if (existsSync(src)) cpSync(src, join(out, name));
    else missing.push(`build/wasm/${name}`);
  }
  const modelDir = join(repo, 'models');
  const models = existsSync(modelDir) ? readdirSync(modelDir).filter((n) => n.endsWith('.bin')) : [];
  for (const name of models) cpSync(join(modelDir, name), join(out, 'models', name));
  for (const preset of ['modern', 'classic', 'lecun1998']) {
    if (!models.includes(`${preset}.bin`)) missing.push(`models/${preset}.bin`);
  }
  if (existsSync(join(repo, DATA_FILE))) cpSync(join(repo, DATA_FILE), join(out, 'data/mnist-subset.bin.gz'));
  else missing.push(DATA_FILE);
  for (const [src, name] of VENDOR_FILES) {
    if (existsSync(join(repo, src))) cpSync(join(repo, src), join(out, 'vendor', name));
    else missing.push(src);
  }

  if (missing.length) log(`assemble-site: missing (the page will say so): ${missing.join(', ')}`);
  log(`assemble-site: ${out}`);
  return { out, missing };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  assembleSite();
}
