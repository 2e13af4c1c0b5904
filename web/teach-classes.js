// "Teach it new things": a network for classes of the visitor's own (symbols, letters, shapes), learned
// from a few drawings of each. Pure: no DOM, no worker of its own. The page's teaching worker, the
// lesson element <lenet-teach> and the Node tests call teachClasses() with the loaded API.
//
// How: the base model (trained on all of MNIST) gives its layers to a network with a fresh output layer
// (net.withClasses); the convolutions C1-S4 keep their stroke and shape detectors as they are, and C5, F6
// and the output learn, in the one training loop (net.startTraining) with every example warped anew
// each epoch (shifts, rotations, scaling, stroke width), so a handful of drawings stands for many.
// Training only the output on F6's digit features is not enough for shapes unlike digits; C5 and F6
// relearning is. The settings below were chosen by measurement on drawn symbols (bench/teach-sweep.mjs in
// Node, bench/teach.mjs on the page); bench/README.md gives the numbers.

export const LIMITS = Object.freeze({
  minClasses: 2,
  maxClasses: 64,           // the engine's limit
  minExamples: 3,           // per class: fewer and the held-out accuracy falls apart
  maxExamples: 2000,        // in all: keeps training within seconds
  nameBytes: 32,            // UTF-8 bytes of a class name, the model file's limit
});

export const TEACH_SETTINGS = Object.freeze({
  epochs: 60,
  learningRate: 0.002,
  augment: Object.freeze({ shift: 2, degrees: 12, scale: 0.12, stroke: 0.6 }),
  seed: 1,
  trainFrom: 'C5',
});

const LAYERS = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT'];

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const encoder = new TextEncoder();

/** Throws an Error saying what is wrong with a list of class names; returns it unchanged. */
export function checkClassNames(names) {
  if (!Array.isArray(names)) throw new TypeError('the class names must be a list of strings');
  if (names.length < LIMITS.minClasses) {
    throw new Error(names.length === 0 ? 'there are no classes yet: add at least two'
      : `only one class (${names[0]}): add at least one more, the network learns to tell classes apart`);
  }
  if (names.length > LIMITS.maxClasses) throw new Error(`${names.length} classes: at most ${LIMITS.maxClasses}`);
  const seen = new Set();
  names.forEach((name, i) => {
    if (typeof name !== 'string') throw new TypeError(`class ${i + 1}: its name must be text`);
    if (name.trim() === '') throw new Error(`class ${i + 1} has an empty name`);
    if (name !== name.trim()) throw new Error(`class name '${name}' starts or ends with a space`);
    if (encoder.encode(name).length > LIMITS.nameBytes) throw new Error(`class name '${name}' is too long (at most ${LIMITS.nameBytes} bytes)`);
    if (seen.has(name)) throw new Error(`the class name '${name}' is used twice`);
    seen.add(name);
  });
  return names;
}

/**
 * Throws an Error saying what is wrong with a set of examples: images Uint8Array(N*784) (28x28, 0..255,
 * 255 = ink, as lenet.preprocess gives them times 255), labels Uint8Array(N) of class indices.
 * Returns the number of examples of each class.
 */
export function checkExamples(names, images, labels) {
  checkClassNames(names);
  if (!(images instanceof Uint8Array) && !(images instanceof Uint8ClampedArray)) throw new TypeError('the examples must be 28x28 byte images (a Uint8Array)');
  if (!(labels instanceof Uint8Array)) throw new TypeError('the labels must be a Uint8Array');
  if (images.length !== labels.length * PIXELS) {
    throw new Error(`${images.length} bytes of images for ${labels.length} labels: expected ${labels.length * PIXELS} (28x28 each)`);
  }
  if (labels.length > LIMITS.maxExamples) throw new Error(`${labels.length} examples: at most ${LIMITS.maxExamples} in all`);
  const counts = new Array(names.length).fill(0);
  labels.forEach((label, i) => {
    if (label >= names.length) throw new Error(`example ${i + 1} has label ${label}, but there are only ${names.length} classes`);
    counts[label]++;
  });
  const short = names.filter((_, k) => counts[k] < LIMITS.minExamples);
  if (short.length) {
    const list = short.map((n) => `${n} (${counts[names.indexOf(n)]})`).join(', ');
    throw new Error(`every class needs at least ${LIMITS.minExamples} examples: draw more of ${list}`);
  }
  return counts;
}

function checkOptions(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('teach options must be an object');
  const allowed = Object.keys(TEACH_SETTINGS);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new Error(`unknown teach option '${key}' (allowed: ${allowed.join(', ')})`);
  }
  const s = { ...TEACH_SETTINGS, ...options };
  if (!Number.isInteger(s.epochs) || s.epochs < 1 || s.epochs > 1000) throw new Error('epochs must be a whole number from 1 to 1000');
  if (!(s.learningRate > 0 && s.learningRate <= 1)) throw new Error('learningRate must be above 0 and at most 1');
  if (!Number.isInteger(s.seed) || s.seed < 0) throw new Error('seed must be a whole number >= 0');
  if (!LAYERS.includes(s.trainFrom)) throw new Error(`trainFrom must be one of ${LAYERS.join(', ')}`);
  return s;
}

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

/**
 * Trains a network for `names` from labelled examples and returns it as model-file bytes (with the class
 * names inside). lenet: the loaded API (loadLeNet()); baseBytes: a model file whose C1-F6 are kept (the
 * shipped modern or classic model; lecun1998's RBF output is refused). options: any of TEACH_SETTINGS.
 * hooks.onProgress({ fraction, loss, accuracy, epoch, epochs }) after every epoch; hooks.pause(): awaited
 * every hooks.sliceMs of training (default: never), for a caller on a page's main thread that must let
 * the page draw. Resolves to { bytes, names, counts, epochs, steps, seconds, accuracy, loss } where
 * accuracy and loss are the trained network's on the examples themselves (unwarped).
 * Bad input throws (rejects) before anything is trained.
 */
export async function teachClasses(lenet, baseBytes, names, images, labels, options = {}, hooks = {}) {
  const counts = checkExamples(names, images, labels);
  const settings = checkOptions(options);
  const { onProgress, pause, sliceMs = Infinity } = hooks;
  let base;
  try {
    base = lenet.load(baseBytes);
  } catch (e) {
    throw new Error(`the base model could not be loaded: ${e.message}`);
  }
  let net;
  try {
    net = base.withClasses(names, { freeze: true, seed: settings.seed, learningRate: settings.learningRate });
    // the layers from trainFrom up learn (the fresh output always); the ones below keep the base's features
    net.unfreeze(LAYERS.slice(LAYERS.indexOf(settings.trainFrom)));
  } catch (e) {
    throw new Error(`the base model cannot learn new classes: ${e.message}`);
  } finally {
    base.dispose();
  }
  const t0 = now();
  try {
    const session = net.startTraining({ images, labels }, { epochs: settings.epochs, seed: settings.seed, augment: settings.augment });
    let rate = settings.learningRate;
    let slice = now();
    let last = null;
    while (!session.finished) {
      try {
        last = session.run(1);
      } catch (e) {
        // The engine has put the weights back; a smaller step usually gets past it.
        if (e.name !== 'DivergenceError' || rate < settings.learningRate / 100) throw e;
        rate /= 3;
        session.setLearningRate(rate);
        continue;
      }
      if (last.epochEnd || last.finished) {
        onProgress?.({ fraction: last.fraction, loss: last.loss, accuracy: last.accuracy, epoch: last.epoch, epochs: settings.epochs });
      }
      if (pause && now() - slice >= sliceMs) {
        await pause();
        slice = now();
      }
    }
    session.dispose();
    const seconds = (now() - t0) / 1000;
    const fit = net.evaluate(images, labels);
    return {
      bytes: net.save(),
      names: net.classes(),
      counts,
      epochs: settings.epochs,
      steps: net.steps,
      seconds,
      accuracy: fit.accuracy,
      loss: fit.loss,
    };
  } finally {
    net.dispose();
  }
}

/** A drawing's preprocessed input (Float32Array 0..1 from lenet.preprocess) as the bytes teachClasses takes. */
export function toExampleBytes(input) {
  if (!(input instanceof Float32Array) || input.length !== PIXELS) throw new Error('an example is a 28x28 input (Float32Array(784))');
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = Math.round(Math.max(0, Math.min(1, input[i])) * 255);
  return out;
}
