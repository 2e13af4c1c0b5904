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
// teachInWorker() below starts it and speaks for the caller (the page's panel and <lenet-teach> both use
// it). The lesson element imports this module for that, which is also how the lesson's copier
// (scripts/build-dist.mjs) knows to ship it; as an import it only exports, it serves only in a worker
// started under TEACH_WORKER_NAME.
import { loadLeNet } from './lenet.js';
import { teachClasses } from './teach-classes.js';

export const TEACH_WORKER_NAME = 'lenet-teach';

/**
 * Trains in a new worker: job { bytes, names, images, labels, options } (images' buffer is transferred).
 * Resolves to the 'taught' message; onProgress gets every 'teach-progress'. Rejects with what went wrong,
 * the worker's failure to start included (a browser without module workers, or this file not served
 * beside the script that imports it, as in a single-file bundle copied alone).
 */
export function teachInWorker(job, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      if (typeof Worker !== 'function') throw new Error('this browser has no Web Workers');
      worker = new Worker(new URL('./teach-worker.js', import.meta.url), { type: 'module', name: TEACH_WORKER_NAME });
    } catch (e) {
      reject(new Error(`the training worker could not start: ${e.message}`));
      return;
    }
    const end = (fn, value) => {
      worker.terminate();
      fn(value);
    };
    worker.onmessage = ({ data: msg }) => {
      if (msg.type === 'teach-progress') onProgress(msg);
      else if (msg.type === 'taught') end(resolve, msg);
      else if (msg.type === 'failed') end(reject, new Error(msg.message));
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      end(reject, new Error(`the training worker could not start or stopped${e.message ? ` (${e.message})` : ''}: ` +
        `${new URL('./teach-worker.js', import.meta.url).href} and the WebAssembly beside it must be served with the page`));
    };
    worker.postMessage({ type: 'teach', ...job }, [job.images.buffer]);
  });
}

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
