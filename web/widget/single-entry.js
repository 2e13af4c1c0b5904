// Entry of dist/lenet-widget.single.js, the single-file build for hosts that cannot serve .wasm with
// the right MIME type: scripts/build-dist.mjs bundles this module, both Emscripten factories and
// './embedded.js' (generated: the two .wasm builds and the modern model as base64) into one script.
// Not usable unbundled: embedded.js exists only inside the build.
import { hasSimd, loadLeNet } from '../lenet.js';
import createSimd from '../lenet-simd.mjs';
import createNoSimd from '../lenet-nosimd.mjs';
import { defineElements } from './elements.js';
import { defineExplainElements } from './explain.js';
import { MODELS, NOSIMD_WASM, SIMD_WASM } from './embedded.js';
import { createRuntime } from './runtime.js';

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const embedded = {};
for (const [name, base64] of Object.entries(MODELS)) embedded[name] = bytes(base64);

const runtime = createRuntime({
  load: () => {
    const simd = hasSimd();
    return loadLeNet({ simd, factory: simd ? createSimd : createNoSimd, wasmBinary: bytes(simd ? SIMD_WASM : NOSIMD_WASM) });
  },
  // Models other than the embedded ones are fetched from models/ beside this script.
  modelsBase: new URL('models/', import.meta.url),
  embedded,
});
defineElements(runtime, { dataBase: new URL('data/', import.meta.url) });
defineExplainElements(runtime);
