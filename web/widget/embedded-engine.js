// The engine the single-file build carries inside itself: both Emscripten factories and their .wasm
// bytes (base64, from './embedded.js', which scripts/build-dist.mjs generates), so nothing is fetched.
// The page's elements load it through this module, and so does the training worker the single-file build
// makes from a Blob: there build-dist bundles ../train-worker.js with this module in place of ../lenet.js
// (hence the name loadLeNet), and './embedded.js' reads the one .wasm the page handed the worker.
// Not usable unbundled: embedded.js exists only inside the build.
import { hasSimd, loadLeNet as loadFrom } from '../lenet.js';
import createSimd from '../lenet-simd.mjs';
import createNoSimd from '../lenet-nosimd.mjs';
import { NOSIMD_WASM, SIMD_WASM } from './embedded.js';

export function base64Bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// Single-threaded whatever is asked: the threaded build needs a worker script file of its own per thread.
export function canUseThreads() {
  return false;
}

export function loadLeNet() {
  const simd = hasSimd();
  return loadFrom({ simd, factory: simd ? createSimd : createNoSimd, wasmBinary: base64Bytes(simd ? SIMD_WASM : NOSIMD_WASM) });
}
