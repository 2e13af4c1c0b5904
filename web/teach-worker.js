// The worker "Teach it new things" trains in (classes-panel.js on the page, <lenet-teach> in lessons), so
// the page keeps drawing while a network learns the visitor's classes. It speaks the messages the page's
// training worker (train-worker.js) takes for the same job:
//
// In:  { type: 'teach', bytes, names, images, labels, options }   bytes: the base model file; images:
//      Uint8Array(N*784), 28x28 bytes; labels: Uint8Array(N); options: teach-classes.js TEACH_SETTINGS
// Out: { type: 'teach-progress', fraction, loss, accuracy } after every epoch, then
//      { type: 'taught', bytes, names, counts, epochs, steps, seconds, accuracy, loss } (bytes: the model
//      file, with the class names inside), or { type: 'failed', during: 'teach', message }.
//
// Run it as new Worker(new URL('teach-worker.js', ...), { type: 'module', name: TEACH_WORKER_NAME }). It
// is also imported (not run) by the lesson elements' entry, which is how the lesson's copier and bundler
// (scripts/build-dist.mjs) know to ship it: as an import it only exports the name.
import { loadLeNet } from './lenet.js';
import { teachClasses } from './teach-classes.js';

export const TEACH_WORKER_NAME = 'lenet-teach';

/** Answers 'teach' messages on `scope` (a worker's global scope). load: how to get the API. */
export function serveTeaching(scope, load = () => loadLeNet()) {
  let lenetPromise = null;
  scope.onmessage = async ({ data: msg }) => {
    try {
      if (msg?.type !== 'teach') throw new Error(`unknown message ${JSON.stringify(msg?.type)}`);
      lenetPromise ??= load().catch((e) => {
        lenetPromise = null; // a later message may try again
        throw e;
      });
      const lenet = await lenetPromise;
      const r = await teachClasses(lenet, msg.bytes, msg.names, msg.images, msg.labels, msg.options ?? {}, {
        onProgress: ({ fraction, loss, accuracy }) => scope.postMessage({ type: 'teach-progress', fraction, loss, accuracy }),
      });
      scope.postMessage({ type: 'taught', ...r }, [r.bytes.buffer]);
    } catch (e) {
      scope.postMessage({ type: 'failed', during: msg?.type, message: e?.message || String(e) });
    }
  };
}

if (typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope && globalThis.name === TEACH_WORKER_NAME) {
  serveTeaching(globalThis);
}
