// What every element on a page shares: ONE loaded WebAssembly module (a module-level promise, so ten
// elements cause one download and one compile) and one network per model source. The two entry points
// differ only in how they make the module, the training worker and find the shipped models:
// lenet-elements.js fetches the .wasm beside lenet.js and starts ../train-worker.js; the single-file build
// carries the wasm (and the modern model, and the worker's code) inside the script.

export const SHIPPED = ['modern', 'classic', 'lecun1998'];

// load(): Promise<LeNet>. modelsBase: URL of the folder holding NAME.float16.bin and NAME.bin.
// embedded: { NAME: Uint8Array } model bytes that need no fetch. trainingWorker: () => Worker running
// ../train-worker.js, for <lenet-trainer> (default: ../training.js's own, the file beside it).
export function createRuntime({ load, modelsBase, embedded = {}, trainingWorker }) {
  let lenetPromise = null;
  const networks = new Map(); // source URL or shipped name -> Promise<Network>

  function lenet() {
    lenetPromise ??= load().catch((e) => {
      lenetPromise = null; // a later element may try again (e.g. after coming back online)
      throw e;
    });
    return lenetPromise;
  }

  async function fetchBytes(url) {
    let res;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`could not fetch the model ${url}: ${e.message}`);
    }
    if (!res.ok) throw new Error(`could not fetch the model ${url}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  // A shipped name: its float16 model file first (half the bytes), the float32 one if that is absent.
  async function shippedBytes(name) {
    if (embedded[name]) return embedded[name];
    try {
      return await fetchBytes(new URL(`${name}.float16.bin`, modelsBase).href);
    } catch {
      return fetchBytes(new URL(`${name}.bin`, modelsBase).href);
    }
  }

  // source: a shipped name ('modern') or a URL of a model file (float32 or float16), resolved
  // against the document. Networks are shared: every element only predicts and reads feature maps, each
  // within one synchronous call, so no element sees another's state.
  function network(source) {
    const key = SHIPPED.includes(source) ? source : new URL(source, document.baseURI).href;
    if (!networks.has(key)) {
      const made = (async () => {
        const [api, raw] = await Promise.all([lenet(), SHIPPED.includes(key) ? shippedBytes(key) : fetchBytes(key)]);
        return api.load(raw);
      })();
      made.catch(() => networks.delete(key));
      networks.set(key, made);
    }
    return networks.get(key);
  }

  return { lenet, network, trainingWorker };
}
