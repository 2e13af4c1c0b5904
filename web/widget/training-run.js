// <lenet-trainer>'s training, all in one place: a fresh network from the seed, batches drawn with
// replacement by the seeded generator, the held-out digits checked every EVAL_EVERY steps, run in short
// slices of the main thread so the page stays responsive. The element only starts, pauses and disposes of
// a run and shows what it reports, so the run can become messages to a worker without the element changing.
import { placeImage } from '../images.js';
import { seededRandom } from '../train-defaults.js';

const EVAL_EVERY = 50;
const EVAL_COUNT = 500;
const SLICE_MS = 12; // training per slice of the main thread, below one 60 Hz frame

export class TrainingRun {
  #net;
  #data;
  #random; // draws the training samples, from the seed
  #batch;
  #test;
  #report;
  #running = false;
  #timer = 0;

  // api: the loaded LeNet; data: the MNIST subset (web/dataset.js); settings: { preset, seed, optimizer,
  // learningRate, batchSize, dropout }. report({ steps, losses, accuracy }, error) after every slice:
  // the losses of the slice's steps, the last held-out accuracy measured in it (undefined if none); with
  // an error the run has stopped.
  constructor(api, data, settings, report) {
    this.#net = api.create(settings);
    this.#data = data;
    this.#report = report;
    this.#random = seededRandom(settings.seed);
    const side = this.#net.inputSize;
    const size = settings.batchSize;
    this.#batch = { size, images: new Uint8Array(size * side * side), labels: new Uint8Array(size) };
    const { test } = data;
    const n = Math.min(EVAL_COUNT, test.count);
    this.#test = { images: new Uint8Array(n * side * side), labels: test.labels.slice(0, n) };
    for (let i = 0; i < n; i++) placeImage(test.images, i, data.side, this.#test.images, i, side);
  }

  /** The network being trained. */
  get network() { return this.#net; }

  get running() { return this.#running; }

  /** C1's weights, [6,1,5,5]: the filters as they form. */
  filters() { return this.#net.weights('C1'); }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#timer = setTimeout(() => this.#slice(), 0);
  }

  pause() {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  dispose() {
    this.pause();
    this.#net.dispose();
  }

  #slice() {
    if (!this.#running) return;
    const { train, side: from } = this.#data;
    const net = this.#net;
    const side = net.inputSize;
    const b = this.#batch;
    const losses = [];
    let accuracy;
    const start = performance.now();
    try {
      do {
        for (let i = 0; i < b.size; i++) {
          const k = Math.floor(this.#random() * train.count);
          placeImage(train.images, k, from, b.images, i, side);
          b.labels[i] = train.labels[k];
        }
        losses.push(net.trainBatch(b.images, b.labels).loss);
        if (net.steps % EVAL_EVERY === 0) accuracy = net.evaluate(this.#test.images, this.#test.labels).accuracy;
      } while (performance.now() - start < SLICE_MS);
    } catch (e) {
      this.pause();
      this.#report({ steps: net.steps, losses, accuracy }, e);
      return;
    }
    this.#report({ steps: net.steps, losses, accuracy });
    if (this.#running) this.#timer = setTimeout(() => this.#slice(), 0);
  }
}
