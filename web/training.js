// The page's side of the training worker: start, pause, resume, reset, and a one-off fine-tuning job.
// Worker messages are re-dispatched as events named by their type (detail = the message); a dead worker
// becomes a 'crashed' event and the trainer returns to 'idle', ready to start again.
//
// States: idle -> loading -> training <-> paused; training -> diverged -> training (resume) | idle;
//         training -> done; any -> idle (reset, crash, failure).

const WORKER_URL = new URL('./train-worker.js', import.meta.url);

function crashMessage(e) {
  const what = e?.message ? e.message.replace(/^Uncaught\s+/, '') : 'it could not run (script or WebAssembly failed to load)';
  return `The training worker stopped unexpectedly: ${what}.`;
}

export class Trainer extends EventTarget {
  #makeWorker;

  // makeWorker: () => Worker, for a host that must make the worker another way (the single-file lesson
  // build makes it from a Blob); by default train-worker.js beside this module.
  constructor({ makeWorker } = {}) {
    super();
    this.worker = null;
    this.state = 'idle';
    this.#makeWorker = makeWorker ?? (() => new Worker(WORKER_URL, { type: 'module', name: 'lenet-training' }));
  }

  #set(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state } }));
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  start(options) {
    this.reset();
    let worker;
    try {
      worker = this.#makeWorker();
    } catch (e) {
      // A Content-Security-Policy without worker-src for it, or a file:// page, can refuse it outright.
      this.#emit('crashed', { message: `The training worker could not start: ${e?.message || e}.` });
      return;
    }
    this.worker = worker;
    worker.onmessage = ({ data: msg }) => {
      if (worker !== this.worker) return;
      if (msg.type === 'started' || msg.type === 'resumed') this.#set('training');
      else if (msg.type === 'paused') this.#set('paused');
      else if (msg.type === 'diverged') this.#set('diverged');
      else if (msg.type === 'done') this.#finish('done');
      else if (msg.type === 'failed') this.#finish('idle');
      this.#emit(msg.type, msg);
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      if (worker !== this.worker) return;
      this.#finish('idle');
      this.#emit('crashed', { message: crashMessage(e) });
    };
    worker.onmessageerror = () => {
      if (worker !== this.worker) return;
      this.#finish('idle');
      this.#emit('crashed', { message: crashMessage({ message: 'a message could not be read' }) });
    };
    this.#set('loading');
    worker.postMessage({ type: 'start', options });
  }

  pause() {
    if (this.state === 'training') this.worker.postMessage({ type: 'pause' });
  }

  resume(learningRate) {
    if (this.state === 'paused' || this.state === 'diverged') this.worker.postMessage({ type: 'resume', learningRate });
  }

  reset() {
    this.#finish('idle');
  }

  #finish(state) {
    this.worker?.terminate();
    this.worker = null;
    this.#set(state);
  }

  // Fine-tunes saved model bytes on the visitor's examples in a worker of its own, so it works whether
  // or not training is running. Resolves to { before, after, bytes, steps, ms }.
  static finetune(bytes, images, labels) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { type: 'module', name: 'lenet-finetune' });
      const done = (fn, v) => {
        worker.terminate();
        fn(v);
      };
      worker.onmessage = ({ data: msg }) => {
        if (msg.type === 'finetuned') done(resolve, msg);
        else if (msg.type === 'failed') done(reject, new Error(msg.message));
      };
      worker.onerror = (e) => {
        e.preventDefault?.();
        done(reject, new Error(crashMessage(e)));
      };
      worker.postMessage({ type: 'finetune', bytes, images, labels });
    });
  }
}
