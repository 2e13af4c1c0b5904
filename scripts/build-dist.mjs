// Writes dist/: the drop-in LeNet-5 elements as a self-contained static tree that can be copied to any web
// server as is (no CDN, no server settings; works offline and inside an iframe).
//
//   dist/embed.html                 the lesson page (web/embed.html)
//   dist/embed-single.html          the same page on the single-file build
//   dist/widget/*.js, lesson.css    the elements (web/widget/), entry widget/lenet-elements.js
//   dist/lenet.js, lenet.d.ts       the JavaScript API, and the modules the elements import from web/
//   dist/train-worker.js            the training worker <lenet-trainer> runs (and the modules it imports)
//   dist/lenet-{simd,nosimd}.mjs|.wasm   the Emscripten builds (from build/wasm); lenet-mt.* too when
//                                   built, for the worker on a cross-origin isolated host
//   dist/models/NAME.bin            the shipped models, and NAME.float16.bin: the same model saved by the
//                                   engine with float16 parameters (net.save({ float16: true }): half the bytes)
//   dist/data/mnist-subset.bin.gz   the digits <lenet-trainer> learns from (when build/web-data has it)
//   dist/lenet-widget.single.js     ONE script: the elements, both .wasm builds, the modern model and the
//                                   training worker's code inside (base64 / a string), for hosts that cannot
//                                   serve .wasm as application/wasm; it starts the worker from a Blob
//
//   node scripts/build-dist.mjs [--out DIR]        (buildDist() is async: the engine writes the models)
// Prints the widget's transfer size (gzip -9 of every file a page with one <lenet-pad> fetches).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { loadLeNet } from '../web/lenet.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PRESETS = ['modern', 'classic', 'lecun1998'];
const WASM_BUILDS = ['lenet-simd', 'lenet-nosimd'];
const ENTRY = 'web/widget/lenet-elements.js';
const SINGLE_ENTRY = 'web/widget/single-entry.js';
const EMBEDDED = 'web/widget/embedded.js'; // generated inside the single-file build only
const SINGLE_MODELS = ['modern'];
const WORKER = 'web/train-worker.js';
const MT_FILES = ['lenet-mt.mjs', 'lenet-mt.wasm', 'lenet-mt.worker.js'];

// ---- a small ES module bundler for this project's own modules --------------------------------------
// It knows the forms these modules use and refuses anything else, so a new form fails the build instead
// of producing a broken bundle: `import { a, b as c } from './x.js';`, `import X from './x.mjs';`,
// `export function|async function|class|const|let NAME`, `export default NAME;`.
// aliases: { absolute path: absolute path } bundles the second module wherever the first is imported,
// except inside the second itself (so it can wrap the first).

const IMPORT_RE = /^import\s+([\s\S]*?)\s+from\s+'([^']+)';[ \t]*$/gm;
const EXPORT_DECL_RE = /^export\s+((?:async\s+)?function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/gm;
const EXPORT_DEFAULT_RE = /^export\s+default\s+([A-Za-z_$][\w$]*);[ \t]*$/gm;

// Where a specifier written in web/ points. The Emscripten builds sit beside lenet.js once deployed, but
// in build/wasm in the source tree.
function resolveImport(fromFile, spec, repo, aliases = {}) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) throw new Error(`${relative(repo, fromFile)}: bare import '${spec}' cannot be bundled`);
  const file = resolve(dirname(fromFile), spec);
  if (aliases[file] && aliases[file] !== fromFile) return aliases[file];
  const name = relative(join(repo, 'web'), file);
  if (WASM_BUILDS.some((b) => name === `${b}.mjs`)) return join(repo, 'build/wasm', name);
  return file;
}

function parseModule(file, source, repo, aliases) {
  const imports = [];
  for (const m of source.matchAll(IMPORT_RE)) imports.push({ text: m[0], clause: m[1].trim(), file: resolveImport(file, m[2], repo, aliases) });
  const withoutImports = imports.reduce((s, i) => s.replace(i.text, ''), source);
  if (/^\s*import\s+['"{*\w]/m.test(withoutImports)) throw new Error(`${relative(repo, file)}: an import form the bundler does not know`);
  return { file, source, imports };
}

// Modules reachable from entry, dependencies first. virtual: { absolute path: source } for generated ones.
export function moduleGraph(entry, { repo = root, virtual = {}, aliases = {} } = {}) {
  const order = [];
  const seen = new Map();
  const visit = (file, chain) => {
    if (seen.get(file) === 'done') return;
    if (seen.get(file) === 'visiting') throw new Error(`import cycle: ${[...chain, file].map((f) => relative(repo, f)).join(' -> ')}`);
    seen.set(file, 'visiting');
    const source = virtual[file] ?? readFileSync(file, 'utf8');
    const mod = parseModule(file, source, repo, aliases);
    for (const dep of mod.imports) visit(dep.file, [...chain, file]);
    seen.set(file, 'done');
    order.push(mod);
  };
  visit(resolve(repo, entry), []);
  return order;
}

function importBinding(clause, id, file, repo) {
  const named = clause.match(/^\{([\s\S]*)\}$/);
  if (named) {
    const parts = named[1].split(',').map((s) => s.trim()).filter(Boolean).map((p) => {
      const [name, alias] = p.split(/\s+as\s+/);
      return alias ? `${name}: ${alias}` : name;
    });
    return `const { ${parts.join(', ')} } = ${id};`;
  }
  if (/^[A-Za-z_$][\w$]*$/.test(clause)) return `const ${clause} = ${id}.default;`;
  throw new Error(`${relative(repo, file)}: import clause '${clause}' is not supported by the bundler`);
}

// One ES module (loaded with <script type="module">): each source module becomes a function scope that
// returns its exports, so module-level names cannot clash (both Emscripten builds define the same ones).
// importMetaUrl: an expression put for every import.meta.url, which makes the bundle a classic script
// (a worker made from a Blob, whose own URL nothing can be resolved against).
export function bundle(entry, { repo = root, virtual = {}, aliases = {}, banner = '', importMetaUrl } = {}) {
  const modules = moduleGraph(entry, { repo, virtual, aliases });
  const ids = new Map(modules.map((m, i) => [m.file, `__module${i}`]));
  const parts = [banner];
  for (const mod of modules) {
    let body = mod.source;
    for (const imp of mod.imports) body = body.replace(imp.text, importBinding(imp.clause, ids.get(imp.file), mod.file, repo));
    const exported = [];
    body = body.replace(EXPORT_DECL_RE, (_, kind, name) => {
      exported.push(name);
      return `${kind} ${name}`;
    });
    body = body.replace(EXPORT_DEFAULT_RE, (_, name) => {
      exported.push(`default: ${name}`);
      return '';
    });
    if (/^export\s/m.test(body)) throw new Error(`${relative(repo, mod.file)}: an export form the bundler does not know`);
    if (importMetaUrl) {
      body = body.replaceAll('import.meta.url', importMetaUrl);
      if (body.includes('import.meta')) throw new Error(`${relative(repo, mod.file)}: import.meta other than import.meta.url cannot be bundled into a classic script`);
    }
    parts.push(`// ---- ${relative(repo, mod.file)}\nconst ${ids.get(mod.file)} = (() => {\n${body}\nreturn { ${exported.join(', ')} };\n})();\n`);
  }
  return parts.join('\n');
}

// ---- dist/ --------------------------------------------------------------------------------------------

function gz(bytes) { return gzipSync(bytes, { level: 9 }).length; }

// The files a page with one <lenet-pad> (the default model) fetches, and their gzip'd sizes. The browser
// test measures the same thing from the requests the page really makes.
export function widgetTransfer(dist, { simd = true } = {}) {
  const build = simd ? 'lenet-simd' : 'lenet-nosimd';
  const js = moduleGraph('widget/lenet-elements.js', { repo: dist }).map((m) => relative(dist, m.file));
  const files = [...js, `${build}.mjs`, `${build}.wasm`, 'models/modern.float16.bin'];
  const rows = files.map((f) => ({ file: f, bytes: readFileSync(join(dist, f)).length, gzip: gz(readFileSync(join(dist, f))) }));
  return { rows, bytes: rows.reduce((s, r) => s + r.bytes, 0), gzip: rows.reduce((s, r) => s + r.gzip, 0) };
}

// The single-file build's training worker: ../train-worker.js with the embedded engine for ../lenet.js,
// as a classic script. The page prepends `const LENET_EMBEDDED = { base, SIMD_WASM, NOSIMD_WASM }` (its own
// URL and the one .wasm this browser runs) when it makes the worker's Blob (web/widget/single-entry.js).
export function workerBundle({ repo = root } = {}) {
  return bundle(WORKER, {
    repo,
    aliases: { [join(repo, 'web/lenet.js')]: join(repo, 'web/widget/embedded-engine.js') },
    virtual: { [join(repo, EMBEDDED)]: 'export const SIMD_WASM = LENET_EMBEDDED.SIMD_WASM;\n' +
      'export const NOSIMD_WASM = LENET_EMBEDDED.NOSIMD_WASM;\nexport const MODELS = {};\nexport const TRAIN_WORKER = \'\';\n' },
    importMetaUrl: 'LENET_EMBEDDED.base',
    banner: '// The training worker of lenet-widget.single.js (scripts/build-dist.mjs).\n',
  });
}

export async function buildDist({ repo = root, out = join(repo, 'dist'), log = console.log } = {}) {
  for (const b of WASM_BUILDS) {
    for (const ext of ['mjs', 'wasm']) {
      if (!existsSync(join(repo, 'build/wasm', `${b}.${ext}`))) throw new Error(`build-dist: build/wasm/${b}.${ext} is missing; run \`npm run build\` first`);
    }
  }
  const missing = [];
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'models'), { recursive: true });

  // The elements' modules (those under web/), the training worker's, and the API's types.
  for (const mod of [...moduleGraph(ENTRY, { repo }), ...moduleGraph(WORKER, { repo })]) {
    const rel = relative(join(repo, 'web'), mod.file);
    if (rel.startsWith('..')) continue; // an Emscripten build, copied below
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    cpSync(mod.file, join(out, rel));
  }
  for (const name of ['lenet.d.ts', 'widget/lenet-elements.d.ts', 'widget/lesson.css']) {
    if (existsSync(join(repo, 'web', name))) cpSync(join(repo, 'web', name), join(out, name));
  }
  for (const b of WASM_BUILDS) for (const ext of ['mjs', 'wasm']) cpSync(join(repo, 'build/wasm', `${b}.${ext}`), join(out, `${b}.${ext}`));
  for (const f of MT_FILES) if (existsSync(join(repo, 'build/wasm', f))) cpSync(join(repo, 'build/wasm', f), join(out, f));

  // The float16 files are written by the engine from the loaded model, so they pass its own checks and
  // the one loader reads them (format version 2, models/README.md).
  const models = {};
  const lenet = await loadLeNet();
  for (const name of PRESETS) {
    const src = join(repo, 'models', `${name}.bin`);
    if (!existsSync(src)) {
      missing.push(`models/${name}.bin`);
      continue;
    }
    const net = lenet.load(new Uint8Array(readFileSync(src)));
    try {
      models[name] = net.save({ float16: true });
    } finally {
      net.dispose();
    }
    cpSync(src, join(out, 'models', `${name}.bin`));
    writeFileSync(join(out, 'models', `${name}.float16.bin`), models[name]);
  }
  const data = join(repo, 'build/web-data/mnist-subset.bin.gz');
  if (existsSync(data)) {
    mkdirSync(join(out, 'data'), { recursive: true });
    cpSync(data, join(out, 'data/mnist-subset.bin.gz'));
  } else missing.push('build/web-data/mnist-subset.bin.gz (for <lenet-trainer>)');

  const page = readFileSync(join(repo, 'web/embed.html'), 'utf8');
  writeFileSync(join(out, 'embed.html'), page);
  const tag = '<script type="module" src="widget/lenet-elements.js"></script>';
  if (!page.includes(tag)) throw new Error(`build-dist: web/embed.html no longer loads the elements with ${tag}`);
  writeFileSync(join(out, 'embed-single.html'), page.replace(tag, '<script type="module" src="lenet-widget.single.js"></script>'));

  const b64 = (bytes) => Buffer.from(bytes).toString('base64');
  const embeddedModels = SINGLE_MODELS.filter((n) => models[n]).map((n) => `  ${n}: '${b64(models[n])}',`).join('\n');
  const embedded = [
    `export const SIMD_WASM = '${b64(readFileSync(join(repo, 'build/wasm/lenet-simd.wasm')))}';`,
    `export const NOSIMD_WASM = '${b64(readFileSync(join(repo, 'build/wasm/lenet-nosimd.wasm')))}';`,
    `export const MODELS = {\n${embeddedModels}\n};`,
    `export const TRAIN_WORKER = ${JSON.stringify(workerBundle({ repo }))};`,
  ].join('\n');
  const single = bundle(SINGLE_ENTRY, {
    repo,
    virtual: { [join(repo, EMBEDDED)]: embedded },
    banner: '// lenet-widget.single.js: the LeNet-5 elements (<lenet-pad>, <lenet-maps>, <lenet-trainer>) with the\n' +
      '// WebAssembly builds, the modern model and the training worker inside. Generated by scripts/build-dist.mjs;\n' +
      '// do not edit.\n' +
      '// Load with <script type="module" src="lenet-widget.single.js"></script>.\n',
  });
  writeFileSync(join(out, 'lenet-widget.single.js'), single);

  if (missing.length) log(`build-dist: missing (elements that need them show an error): ${missing.join(', ')}`);
  const size = models.modern ? widgetTransfer(out) : null;
  if (size) {
    log('build-dist: one <lenet-pad> fetches (gzip -9):');
    for (const r of size.rows) log(`  ${r.file.padEnd(24)} ${String(r.bytes).padStart(8)} B  ${String(r.gzip).padStart(7)} B gzip`);
    log(`  ${'total'.padEnd(24)} ${String(size.bytes).padStart(8)} B  ${String(size.gzip).padStart(7)} B gzip`);
    const s = readFileSync(join(out, 'lenet-widget.single.js'));
    log(`build-dist: lenet-widget.single.js ${s.length} B, ${gz(s)} B gzip`);
  }
  log(`build-dist: ${out}`);
  return { out, missing, size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  try {
    await buildDist(i > 0 ? { out: resolve(process.argv[i + 1]) } : {});
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
