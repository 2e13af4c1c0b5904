// Entry of dist/lenet-widget.single.js, the single-file build for hosts that cannot serve .wasm with
// the right MIME type: scripts/build-dist.mjs bundles this module, both Emscripten factories and
// './embedded.js' (generated: the two .wasm builds and the modern model as base64, and the training
// worker's code, ../train-worker.js bundled) into one script.
// Not usable unbundled: embedded.js exists only inside the build.
import { hasSimd } from '../lenet.js';
import { defineElements } from './elements.js';
import { base64Bytes, loadLeNet } from './embedded-engine.js';
import { defineExplainElements } from './explain.js';
import { MODELS, NOSIMD_WASM, SIMD_WASM, TRAIN_WORKER } from './embedded.js';
import { createRuntime } from './runtime.js';

const embedded = {};
for (const [name, base64] of Object.entries(MODELS)) embedded[name] = base64Bytes(base64);

// <lenet-trainer>'s worker, from a Blob: the worker's code with the one .wasm this engine runs, and this
// script's URL for what the worker resolves against. A host whose Content-Security-Policy refuses blob:
// workers gets the trainer's message saying training could not start; the served build has no such need.
let workerUrl = null;
function trainingWorker() {
  if (!workerUrl) {
    const simd = hasSimd();
    const given = { base: import.meta.url, SIMD_WASM: simd ? SIMD_WASM : '', NOSIMD_WASM: simd ? '' : NOSIMD_WASM };
    const prelude = `const LENET_EMBEDDED = ${JSON.stringify(given)};\n`;
    workerUrl = URL.createObjectURL(new Blob([prelude, TRAIN_WORKER], { type: 'text/javascript' }));
  }
  return new Worker(workerUrl, { name: 'lenet-training' });
}

const runtime = createRuntime({
  load: loadLeNet,
  // Models other than the embedded ones are fetched from models/ beside this script.
  modelsBase: new URL('models/', import.meta.url),
  embedded,
  trainingWorker,
});
defineElements(runtime, { dataBase: new URL('data/', import.meta.url) });
defineExplainElements(runtime);
