// Drop-in LeNet-5 elements for course material. One tag loads them:
//
//   <script type="module" src="widget/lenet-elements.js"></script>
//   <lenet-pad id="digit" show="probabilities preprocessed"></lenet-pad>
//   <lenet-maps for="digit" layer="C3"></lenet-maps>
//   <lenet-trainer preset="classic"></lenet-trainer>
//
// The WebAssembly module (lenet-simd or lenet-nosimd, beside ../lenet.js) is fetched once per page; the
// shipped models come from ../models/. Each element lists its attributes at the top of its own module
// (elements.js says which).
import { loadLeNet } from '../lenet.js';
import { defineElements } from './elements.js';
import { createRuntime } from './runtime.js';

defineElements(createRuntime({
  load: () => loadLeNet(),
  modelsBase: new URL('../models/', import.meta.url),
}), { dataBase: new URL('../data/', import.meta.url) });
