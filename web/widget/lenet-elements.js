// Drop-in LeNet-5 elements for course material. One tag loads them:
//
//   <script type="module" src="widget/lenet-elements.js"></script>
//   <lenet-pad id="digit" show="probabilities preprocessed"></lenet-pad>
//   <lenet-maps for="digit" layer="C3"></lenet-maps>
//   <lenet-trainer preset="classic"></lenet-trainer>
//   <lenet-explain for="digit"></lenet-explain>   <lenet-fool for="digit"></lenet-fool>
//
// The WebAssembly module (lenet-simd or lenet-nosimd, beside ../lenet.js) is fetched once per page; the
// shipped models come from ../models/. Each element lists its attributes at the top of its own module
// (elements.js says which; explain.js holds <lenet-explain> and <lenet-fool>).
import { loadLeNet } from '../lenet.js';
import { defineElements } from './elements.js';
import { defineExplainElements } from './explain.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime({
  load: () => loadLeNet(),
  modelsBase: new URL('../models/', import.meta.url),
});
defineElements(runtime, { dataBase: new URL('../data/', import.meta.url) });
defineExplainElements(runtime);
