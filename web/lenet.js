// The JavaScript API of the LeNet-5 WebAssembly module, and the only code that touches the Emscripten
// Module. It owns every delete(), copies every heap view before handing data out (views detach when
// wasm memory grows), and turns the C++ errors into JavaScript Errors with the C++ message.
// Works in a page, in a Web Worker and in Node (ES module). Types: lenet.d.ts beside this file.

// Inputs are staged in wasm memory, which never shrinks: anything this large is refused before staging.
// A model file is about 250 kB; a drawing of 4096x4096 RGBA is 64 MB.
const MAX_MODEL_BYTES = 16 * 1024 * 1024;
const MAX_DRAWING_PIXELS = 4096 * 4096;
const LAYERS = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT'];

// (module (func (result v128) v128.const 0)): valid only where WebAssembly SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: v128.const ...
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

/** True when this JavaScript engine runs WebAssembly SIMD128. */
export function hasSimd() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process === 'object' && process.versions != null && process.versions.node != null &&
  typeof window === 'undefined' && typeof self === 'undefined';

function raise(result) {
  if (result && typeof result === 'object' && typeof result.error === 'string') {
    const e = new Error(result.error);
    e.name = result.name || 'Error';
    throw e;
  }
  return result;
}

function copyTensor(t) {
  return { shape: Array.from(t.shape), data: new Float32Array(t.data) };
}

/**
 * True where the threaded build can run: SIMD128, SharedArrayBuffer and a cross-origin isolated page
 * (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp),
 * in a browser (the threaded build is made for the web and its workers only).
 */
export function canUseThreads() {
  return !isNode && hasSimd() && typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
}

/**
 * Loads the WebAssembly module (the SIMD build where the engine supports it) and returns the API.
 * options.threads: false (default) for the single-threaded build; 'auto' for the threaded build where
 * canUseThreads() (else the single-threaded one); true to insist on it. Threads only serve
 * Network.setThreads(); block only off the page's main thread (in a Worker) while a threaded step runs.
 */
export async function loadLeNet(options = {}) {
  const want = options.simd ?? 'auto';
  if (want !== 'auto' && want !== true && want !== false) throw new Error("options.simd must be 'auto', true or false");
  const wantThreads = options.threads ?? false;
  if (wantThreads !== 'auto' && wantThreads !== true && wantThreads !== false) throw new Error("options.threads must be 'auto', true or false");
  if (wantThreads === true && !canUseThreads()) {
    throw new Error(isNode ? 'the threaded build runs in browsers only'
      : 'threads need WebAssembly SIMD128, SharedArrayBuffer and a cross-origin isolated page (COOP same-origin, COEP require-corp)');
  }
  const threads = wantThreads === true || (wantThreads === 'auto' && canUseThreads() && want !== false);
  const simd = threads || (want === 'auto' ? hasSimd() : want);
  if (simd && !hasSimd()) throw new Error('this JavaScript engine does not support WebAssembly SIMD128');
  const name = threads ? 'lenet-mt' : simd ? 'lenet-simd' : 'lenet-nosimd';

  let factory = options.factory;
  let wasmBinary = options.wasmBinary;
  let base = options.baseUrl ? new URL(options.baseUrl, import.meta.url) : new URL('./', import.meta.url);
  if (!factory) {
    if (isNode && !options.baseUrl) {
      // In the source tree the builds live in build/wasm; in an assembled site or package, beside this file.
      const fs = await import('node:fs');
      if (!fs.existsSync(new URL(`${name}.mjs`, base))) base = new URL('../build/wasm/', import.meta.url);
    }
    factory = (await import(new URL(`${name}.mjs`, base).href)).default;
  }
  const wasmUrl = new URL(options.wasmUrl ?? `${name}.wasm`, base);
  if (!wasmBinary && isNode) {
    // Emscripten 3.1.6's output would fetch() the .wasm as if it were a URL; in Node hand it the bytes.
    const fs = await import('node:fs/promises');
    wasmBinary = await fs.readFile(wasmUrl);
  }
  const moduleArgs = { locateFile: (path) => (path.endsWith('.wasm') ? wasmUrl : new URL(path, base)).href };
  if (wasmBinary) moduleArgs.wasmBinary = wasmBinary;
  if (options.print) moduleArgs.print = options.print;
  if (options.printErr) moduleArgs.printErr = options.printErr;
  const Module = await factory(moduleArgs);
  // The build as the engine itself reports it (kernels_have_simd()), not as the file name promised.
  return new LeNet(Module, Module.buildName());
}

// A view of all of wasm memory as it is now. Emscripten's HEAP* views follow growth on the thread that
// grew the memory; in the threaded build another thread may have grown it, so the memory object decides.
function heap(M, Type) {
  const buffer = M.wasmMemory?.buffer ?? M.HEAPU8.buffer;
  const known = Type === Uint8Array ? M.HEAPU8 : Type === Uint32Array ? M.HEAPU32 : M.HEAPF32;
  return known.buffer === buffer ? known : new Type(buffer);
}

// A drawing for preprocess() / predictDrawing(): ImageData or { data, width, height } (RGBA, or 1 byte per
// pixel). Returns it with its channel count, or throws saying what is wrong.
function checkDrawing(image, who) {
  if (!image || typeof image !== 'object') throw new TypeError(`${who} takes ImageData or { data, width, height }`);
  const { data, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error('drawing: width and height must be positive integers');
  if (width * height > MAX_DRAWING_PIXELS) {
    throw new Error(`drawing: ${width}x${height} is too large (at most ${MAX_DRAWING_PIXELS} pixels); scale it down first`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) throw new TypeError('drawing: data must be a Uint8Array or Uint8ClampedArray');
  const channels = data.length === width * height * 4 ? 4 : data.length === width * height ? 1 : 0;
  if (!channels) throw new Error(`drawing: ${data.length} bytes do not make a ${width}x${height} RGBA or gray image`);
  return { data, width, height, channels };
}

// Images for a network: a Float32Array (0..1) or a Uint8Array (0..255) of `count` square images, 28x28 or
// 32x32 (every network takes both and places them itself). count undefined: as many as fit, with the
// network's own side preferred where both would. Returns { bytes, side, count }.
function checkImages(images, count, ownSide, what = 'images') {
  const isFloat = images instanceof Float32Array;
  if (!isFloat && !(images instanceof Uint8Array) && !(images instanceof Uint8ClampedArray)) {
    throw new TypeError(`${what} must be a Float32Array (0..1) or a Uint8Array (0..255)`);
  }
  const sides = ownSide === 32 ? [32, 28] : [28, 32];
  const side = count === undefined
    ? sides.find((s) => images.length > 0 && images.length % (s * s) === 0)
    : sides.find((s) => images.length === count * s * s);
  if (!side) {
    const expected = count === undefined ? 'a whole number of 28x28 (784) or 32x32 (1024) images'
      : `${count * 784} (28x28) or ${count * 1024} (32x32)`;
    throw new Error(`${what}: ${images.length} values for ${count ?? 'some'} image(s): expected ${expected}`);
  }
  return { bytes: !isFloat, side, count: count ?? images.length / (side * side) };
}

function checkLabels(labels) {
  if (!(labels instanceof Uint8Array)) throw new TypeError('labels must be a Uint8Array');
  if (labels.length === 0) throw new Error('labels: no labels given');
}

function checkNames(names) {
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new TypeError('classes must be an array of names (strings)');
  }
}

function checkClass(value, what = 'digit') {
  if (!Number.isInteger(value)) throw new TypeError(`${what} must be an integer class index`);
}

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => { if (!handle.isDeleted()) handle.delete(); })
  : null;

/** One LeNet-5 network in the WebAssembly module. Call dispose() when done with it. */
export class Network {
  #handle;
  #side;
  #classes;
  #M;
  #result = null; // where predictStaged leaves its two addresses (a word index into HEAPU32)

  constructor(handle, M) {
    this.#handle = handle;
    this.#M = M;
    const config = handle.config();
    this.#side = config.inputSize;
    this.#classes = config.classes;
    registry?.register(this, handle, this);
  }

  #h() {
    if (!this.#handle) throw new Error('network has been disposed');
    return this.#handle;
  }

  /** The side of an input image: 28 or 32. */
  get inputSize() { this.#h(); return this.#side; }

  // Stages images (and labels) with one TypedArray.set each; returns checkImages' { bytes, side, count }.
  #stage(images, labels, count) {
    const h = this.#h();
    const staged = checkImages(images, count, this.#side);
    if (staged.bytes) h.u8Input(images.length).set(images);
    else h.f32Input(images.length).set(images);
    if (labels) h.labelInput(labels.length).set(labels);
    return staged;
  }

  /**
   * One optimizer step on a batch: images N x 28x28 or N x 32x32 (the network places 28x28 images in its
   * 32x32 field itself), labels N. Returns { loss, correct, count }.
   */
  trainBatch(images, labels) {
    checkLabels(labels);
    const { side, bytes } = this.#stage(images, labels, labels.length);
    return raise(this.#h().train(labels.length, side, bytes));
  }

  /** Accuracy (0..1) and mean loss on labelled images, in eval mode (no dropout). */
  evaluate(images, labels) {
    checkLabels(labels);
    const { side, bytes } = this.#stage(images, labels, labels.length);
    return raise(this.#h().evaluate(labels.length, side, bytes));
  }

  /** Class probabilities of one image (28x28 or 32x32): Float32Array(classes). */
  predict(image) {
    const { side, bytes } = this.#stage(image, null, 1);
    return new Float32Array(raise(this.#h().predict(1, side, bytes)).data);
  }

  /**
   * A drawing (ImageData or { data, width, height }, RGBA or gray) preprocessed as lenet.preprocess() does,
   * at this network's input size, and classified, in one call into the engine. Returns
   * { probabilities: Float32Array(classes), input: Float32Array(inputSize^2), the image the network saw }, or null
   * when nothing is drawn.
   */
  predictDrawing(image) {
    const { data, width, height, channels } = checkDrawing(image, 'predictDrawing()');
    const h = this.#h();
    const M = this.#M;
    const at = h.stageDrawing(data.length); // first: it may grow wasm memory, which replaces the views
    heap(M, Uint8Array).set(data, at);
    const status = h.predictStaged(width, height, channels);
    if (status < 0) raise(h.lastError());
    if (status === 0) return null;
    this.#result ??= h.resultAddress() >> 2;
    const words = heap(M, Uint32Array), floats = heap(M, Float32Array);
    const probs = words[this.#result] >> 2;
    const input = words[this.#result + 1] >> 2;
    return {
      probabilities: floats.slice(probs, probs + this.#classes),
      input: floats.slice(input, input + this.#side * this.#side),
    };
  }

  /** Class probabilities of N images (28x28 or 32x32 each): Float32Array(N*10). */
  predictBatch(images) {
    const { side, bytes, count } = this.#stage(images, null, undefined);
    return new Float32Array(raise(this.#h().predict(count, side, bytes)).data);
  }

  /**
   * Why the network says what it says: the gradient of log p(digit) with respect to each input value of
   * `image` (28x28 or 32x32; values in [0, 1], or bytes as value/255), where p is what predict() returns,
   * computed by the engine's backward pass. Returns Float32Array(inputSize^2): positive where more ink
   * would raise p(digit), negative where it would lower it.
   */
  inputGradient(image, digit) {
    checkClass(digit);
    const { side, bytes } = this.#stage(image, null, 1);
    return new Float32Array(raise(this.#h().inputGradient(side, bytes, digit)).data);
  }

  /**
   * What would fool it: an image close to `image` that the network classifies as `target`, found by
   * gradient steps on the input (no pixel moves by more than stepSize per step, values stay in [0, 1]),
   * stopping at the first success. Returns { image: Float32Array (the given image's side, 0..1),
   * probabilities: Float32Array(classes), steps, success } (success false: not within maxSteps).
   */
  adversarial(image, target, { maxSteps = 100, stepSize = 0.02 } = {}) {
    checkClass(target, 'target');
    if (!Number.isInteger(maxSteps)) throw new TypeError('maxSteps must be an integer');
    if (typeof stepSize !== 'number') throw new TypeError('stepSize must be a number');
    const { side, bytes } = this.#stage(image, null, 1);
    const r = raise(this.#h().adversarial(side, bytes, target, maxSteps, stepSize));
    const pixels = side * side;
    return {
      image: new Float32Array(r.data.subarray(0, pixels)),
      probabilities: new Float32Array(r.data.subarray(pixels, pixels + this.#classes)),
      steps: r.steps,
      success: r.success,
    };
  }

  /**
   * A training session over a labelled set: the one training loop (the page's worker, the lesson
   * element and the native tool all use it). It shuffles by seed, batches, augments, schedules the
   * learning rate and evaluates on the held-out set; run(steps) trains and reports. One session per
   * network at a time: starting another, or creating/loading into this network, ends the last one.
   * train, heldOut: { images, labels }, images N x 28x28 or 32x32 bytes (0..255). Options: epochs (1),
   * seed (1), shuffle (true), dropLast (false), augment (false; true: shifts of up to 2 px, rotations of up
   * to 10 degrees, scaling by up to 10 %; or the ranges { shift, degrees, scale, stroke }, stroke 0..1 the
   * stroke-width change in pixels), schedule 'constant' | 'linear' (to 10 %
   * of the rate by the end) | 'epoch' (times decay each epoch), decay (1), warmup (0: steps over which the
   * rate ramps up from rate/warmup), evalsPerEpoch (0), evalLimit (0: all).
   */
  startTraining(train, options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('startTraining() takes an options object');
    const allowed = ['heldOut', 'epochs', 'seed', 'shuffle', 'dropLast', 'augment', 'schedule', 'decay', 'warmup', 'evalsPerEpoch', 'evalLimit'];
    for (const key of Object.keys(options)) {
      if (!allowed.includes(key)) throw new Error(`unknown training option '${key}' (allowed: ${allowed.join(', ')})`);
    }
    for (const key of ['epochs', 'seed', 'decay', 'warmup', 'evalsPerEpoch', 'evalLimit']) {
      if (options[key] !== undefined && !Number.isFinite(options[key])) throw new TypeError(`training option ${key} must be a finite number`);
    }
    for (const key of ['epochs', 'seed', 'warmup', 'evalsPerEpoch', 'evalLimit']) {
      if (options[key] !== undefined && !Number.isInteger(options[key])) throw new TypeError(`training option ${key} must be an integer`);
    }
    for (const key of ['shuffle', 'dropLast']) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new TypeError(`training option ${key} must be a boolean`);
    }
    const { augment } = options;
    if (augment !== undefined && typeof augment !== 'boolean') {
      const ranges = ['shift', 'degrees', 'scale', 'stroke'];
      if (augment === null || typeof augment !== 'object') throw new TypeError('training option augment must be a boolean or { shift, degrees, scale, stroke }');
      for (const key of Object.keys(augment)) {
        if (!ranges.includes(key)) throw new Error(`unknown augmentation range '${key}' (allowed: ${ranges.join(', ')})`);
        if (!Number.isFinite(augment[key])) throw new TypeError(`augmentation range ${key} must be a finite number`);
      }
    }
    const h = this.#h();
    const stage = (which, set, what) => {
      if (!set || typeof set !== 'object') throw new TypeError(`${what} must be { images, labels }`);
      checkLabels(set.labels);
      if (!(set.images instanceof Uint8Array || set.images instanceof Uint8ClampedArray)) {
        throw new TypeError(`${what}.images must be a Uint8Array (0..255)`);
      }
      const { side } = checkImages(set.images, set.labels.length, this.#side, `${what}.images`);
      const views = raise(h.stageSet(which, set.labels.length, side));
      views.images.set(set.images);
      views.labels.set(set.labels);
    };
    stage(0, train, 'train');
    if (options.heldOut !== undefined) stage(1, options.heldOut, 'heldOut');
    else raise(h.stageSet(1, 0, 28));
    const { heldOut, ...rest } = options;
    raise(h.startSession(rest));
    return new TrainingSession(h, this);
  }

  /** The activations of every layer for the first image of the last forward pass. */
  featureMaps() {
    const h = this.#h();
    const maps = {};
    for (const layer of LAYERS) maps[layer === 'OUTPUT' ? 'output' : layer] = copyTensor(raise(h.featureMap(layer)));
    return maps;
  }

  /** A layer's weights: C1 [6,1,5,5], C3 [16,6,5,5], C5 [120,400], F6 [84,120], OUTPUT [10,84]. */
  weights(layer) { return copyTensor(raise(this.#h().weights(String(layer)))); }
  biases(layer) { return copyTensor(raise(this.#h().biases(String(layer)))); }

  /** Keep these layers' parameters fixed while training (transfer learning). */
  freeze(layers) { this.#setFrozen(layers, true); }
  unfreeze(layers) { this.#setFrozen(layers, false); }
  frozen() { return LAYERS.filter((l) => this.#h().frozen(l)); }

  #setFrozen(layers, value) {
    const list = typeof layers === 'string' ? [layers] : Array.from(layers ?? []);
    const h = this.#h();
    for (const l of list) if (!LAYERS.includes(String(l).toUpperCase())) throw new Error(`unknown layer '${l}' (allowed: ${LAYERS.join(', ')})`);
    for (const l of list) raise(h.setFrozen(String(l), value));
  }

  setLearningRate(lr) {
    if (typeof lr !== 'number') throw new TypeError('learning rate must be a number');
    raise(this.#h().setLearningRate(lr));
  }

  /**
   * Data-parallel training on n threads (1..lenet.maxThreads; more than 1 only in the threaded build).
   * Each thread takes part of every batch; the step averages their gradients. evaluate() and
   * predictBatch() split their images over the threads too, with the same results.
   */
  setThreads(n) {
    if (!Number.isInteger(n)) throw new TypeError('threads must be an integer');
    raise(this.#h().setThreads(n));
  }

  /** Threads trainBatch() uses. */
  get threads() { return this.#h().threads(); }

  /**
   * The model file (docs/model-format.md), the same bytes the native tool writes. float16: the parameters
   * as IEEE half precision, a file about half the size.
   */
  save({ float16 = false } = {}) {
    if (typeof float16 !== 'boolean') throw new TypeError('float16 must be a boolean');
    return new Uint8Array(raise(this.#h().save(float16)).data);
  }

  /** What each output class is called: the names it was made with, or '0'..'9' for the digits. */
  classes() { return this.#h().classNames(); }

  /**
   * Transfer learning to new classes: a new network for `names` (2..64 distinct non-empty strings) with
   * this network's C1 to F6 and a fresh output layer. freeze (default true): C1 to F6 stay fixed and only
   * the output learns; false: everything trains (give a lower learningRate). seed: the new output layer's
   * initial weights. This network is unchanged. The RBF output (lecun1998) keeps its ten digits: Error.
   */
  withClasses(names, { freeze = true, seed, learningRate } = {}) {
    checkNames(names);
    if (typeof freeze !== 'boolean') throw new TypeError('freeze must be a boolean');
    const h = this.#h();
    const handle = new this.#M.NetworkHandle();
    try {
      raise(handle.deriveFrom(h, names, freeze, seed ?? h.config().seed));
      if (learningRate !== undefined) {
        if (typeof learningRate !== 'number') throw new TypeError('learningRate must be a number');
        raise(handle.setLearningRate(learningRate));
      }
    } catch (e) {
      handle.delete();
      throw e;
    }
    return new Network(handle, this.#M);
  }

  /** The configuration as a plain object. */
  config() { return this.#h().config(); }

  get steps() { return this.#h().steps(); }
  get parameterCount() { return this.#h().parameterCount(); }
  get disposed() { return !this.#handle; }

  /** Frees the network's WebAssembly memory. Idempotent. */
  dispose() {
    if (!this.#handle) return;
    registry?.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }
}

/** A training session of one network (Network.startTraining()). */
export class TrainingSession {
  #h;
  #net;

  constructor(handle, net) {
    this.#h = handle;
    this.#net = net;
  }

  #handle() {
    if (this.#net.disposed) throw new Error('network has been disposed');
    return this.#h;
  }

  /**
   * Trains up to `steps` batches; returns early at a held-out evaluation, an epoch's end and the run's end:
   * { steps, epoch, done, perEpoch, fraction, loss, accuracy, correct, samples, learningRate, epochEnd,
   * finished, heldOut?: { accuracy, loss, correct, count, full, predicted? } } (predicted: each held-out
   * image's class, after a full evaluation). Throws a DivergenceError with the
   * weights restored and the session still at the batch that diverged: setLearningRate() lower, then run on.
   */
  run(steps = 1) {
    if (!Number.isInteger(steps) || steps < 1) throw new TypeError('run() takes a whole number of steps >= 1');
    const r = raise(this.#handle().runSession(steps));
    r.accuracy = r.samples ? r.correct / r.samples : 0;
    if (r.heldOut?.predicted) r.heldOut.predicted = new Uint8Array(r.heldOut.predicted);
    return r;
  }

  /** The held-out set (its first `limit` images; 0: all): { accuracy, loss, correct, count, predicted? }. */
  evaluate({ limit = 0, predictions = false } = {}) {
    const r = raise(this.#handle().evaluateSession(limit, predictions));
    if (r.predicted) r.predicted = new Uint8Array(r.predicted);
    return r;
  }

  /** The base learning rate the schedule scales from now on (after a divergence, a smaller one). */
  setLearningRate(rate) {
    if (typeof rate !== 'number') throw new TypeError('learning rate must be a number');
    raise(this.#handle().setSessionRate(rate));
  }

  get finished() { return this.#handle().sessionFinished(); }

  /** Ends the session and frees its copy of the sets. */
  dispose() {
    if (!this.#net.disposed) this.#h.endSession();
  }
}

/** The loaded module: makes networks and preprocesses drawings. */
export class LeNet {
  #M;
  #pre = null;

  constructor(Module, build) {
    this.#M = Module;
    /** 'simd' or 'nosimd': which kernels are running. */
    this.build = build;
    /** The most threads a network here can train on: 1 unless this is the threaded build. */
    this.maxThreads = Module.maxThreads();
  }

  /** The preset configurations, by name. */
  presets() {
    const out = {};
    for (const name of ['modern', 'classic', 'lecun1998']) out[name] = raise(this.#M.presetConfig(name));
    return out;
  }

  /** A new network from a preset and options overriding it. */
  create(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('create() takes an options object');
    // classes: a list of names (their count is the configuration's `classes`), or just a count.
    const names = Array.isArray(options.classes) ? options.classes : null;
    if (names) {
      checkNames(names);
      options = { ...options, classes: names.length };
    }
    const handle = new this.#M.NetworkHandle();
    try {
      raise(handle.init(options));
      if (names) raise(handle.setClassNames(names));
    } catch (e) {
      handle.delete();
      throw e;
    }
    return new Network(handle, this.#M);
  }

  /**
   * The configuration fields: for each, its key, command-line flag, type ('choice', 'flag', 'integer',
   * 'real'), the rule its values follow, its choices or allowed values, and its default in each preset.
   */
  configFields() { return this.#M.configFields(); }

  /**
   * LeNet-5's C3 connection table (LeCun et al. 1998, Table I): Uint8Array(16 * 6), row = C3 map, column
   * = S2 map, 1 where that S2 map feeds that C3 map (networks with c3Table: true use it).
   */
  c3ConnectionTable() { return Uint8Array.from(this.#M.c3Table()); }

  /** A network from model-file bytes; throws an Error saying what is wrong with a bad file. */
  load(bytes) {
    if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
    if (!(bytes instanceof Uint8Array)) throw new TypeError('load() takes the model file as a Uint8Array or ArrayBuffer');
    if (bytes.length > MAX_MODEL_BYTES) {
      throw new Error(`model file is ${bytes.length} bytes, too large to be a LeNet-5 model (at most ${MAX_MODEL_BYTES})`);
    }
    const handle = new this.#M.NetworkHandle();
    try {
      handle.u8Input(bytes.length).set(bytes);
      raise(handle.load());
    } catch (e) {
      handle.delete();
      throw e;
    }
    return new Network(handle, this.#M);
  }

  /**
   * A drawing as the network's input: crop to the ink, fit into 20x20, centre by mass in 28x28 (then pad
   * to 32x32 for inputSize 32). Takes ImageData or { data, width, height } (RGBA, or 1 byte per pixel).
   * Returns Float32Array(inputSize^2) in 0..1, or null when nothing is drawn.
   */
  preprocess(image, inputSize = 28) {
    const { data, width, height, channels } = checkDrawing(image, 'preprocess()');
    if (inputSize !== 28 && inputSize !== 32) throw new Error('inputSize must be 28 or 32');
    const pre = (this.#pre ??= new this.#M.Preprocessor());
    const at = pre.stage(data.length); // first: it may grow wasm memory, which replaces the views
    heap(this.#M, Uint8Array).set(data, at);
    const status = pre.runStaged(width, height, channels, inputSize);
    if (status < 0) raise(pre.lastError());
    if (status === 0) return null;
    const out = pre.outputAddress() >> 2;
    return heap(this.#M, Float32Array).slice(out, out + inputSize * inputSize);
  }

  /** Bytes of wasm memory, and bytes malloc'd in it (for leak checks). */
  heapBytes() { return this.#M.heapSize(); }
  mallocBytes() { return this.#M.mallocInUse(); }
}
