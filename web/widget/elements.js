// The lesson elements, one module each (every attribute is listed at the top of its module):
//
//   <lenet-pad>       pad.js       draw a digit, see what LeNet-5 makes of it
//   <lenet-maps>      maps.js      one layer's feature maps for the drawing on a pad
//   <lenet-trainer>   trainer.js   trains a fresh network in a Web Worker (../train-worker.js)
//   <lenet-teach>     teach.js     teaches it classes of your own, in a worker (../teach-worker.js)
//
// Each keeps its markup and styles in an open Shadow DOM, so host-page CSS does not reach in and theirs
// does not leak out; hosts theme them through --lenet-* custom properties. What they share: dom.js (building
// the Shadow DOM), attributes.js (the attributes more than one reads), layer-maps.js (a layer's maps),
// styles.js (the common styles), context.js (the runtime the entry point chose).
import { provide } from './context.js';
import { LeNetMaps } from './maps.js';
import { LeNetPad } from './pad.js';
import { LeNetTeach } from './teach.js';
import { LeNetTrainer } from './trainer.js';

// runtime: createRuntime()'s (runtime.js); dataBase: the URL of the folder holding mnist-subset.bin.gz.
export function defineElements(runtime, { dataBase }) {
  provide(runtime, { dataBase });
  for (const [name, cls] of [['lenet-pad', LeNetPad], ['lenet-maps', LeNetMaps], ['lenet-trainer', LeNetTrainer], ['lenet-teach', LeNetTeach]]) {
    if (!customElements.get(name)) customElements.define(name, cls);
  }
}
