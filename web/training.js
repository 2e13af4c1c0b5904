// The page's side of the training worker: start, pause, resume, reset, and a one-off fine-tuning job.
// Worker messages are re-dispatched as events named by their type (detail = the message); a dead worker
// becomes a 'crashed' event and the trainer returns to 'idle', ready to start again.
//
// States: idle -> loading -> training <-> paused; training -> diverged -> training (resume) | idle;
//         training -> done; any -> idle (reset, crash, failure).

const WORKER_URL = new URL('./train-worker.js', import.meta.url);

// Firefox can hang a worker for good while it starts the threaded build: the build makes its helper threads
// with `new Worker` inside the training worker, and that call sometimes never returns, the worker's event
// loop blocked (Firefox ESR: bench/firefox-worker-start.mjs; Chromium never). A hung worker cannot say so,
// so the trainer watches: from the worker's 'loading' (threaded) until its 'ready', it pings the worker,
// which answers between the steps of an asynchronous load however slow the machine. A ping left unanswered
// this long means a blocked worker: it is replaced by one that trains the same run on one thread (threads:
// 'one' loads the single-threaded build), and a 'fallback' event says why.
const THREADED_START_MS = 20_000;

function crashMessage(e) {
  const what = e?.message ? e.message.replace(/^Uncaught\s+/, '') : 'it could not run (script or WebAssembly failed to load)';
  return `The training worker stopped unexpectedly: ${what}.`;
}

export class Trainer extends EventTarget {
  #makeWorker;
  #startWatch = null;
  #pingSent = null; // when the watch's unanswered ping was sent
  #threadedStartMs;

  // makeWorker: () => Worker, for a host that must make the worker another way (the single-file lesson
  // build makes it from a Blob); by default train-worker.js beside this module. threadedStartMs: how long a
  // worker starting the threaded build may leave a ping unanswered before it counts as hung (tests shorten it).
  constructor({ makeWorker, threadedStartMs = THREADED_START_MS } = {}) {
    super();
    this.worker = null;
    this.state = 'idle';
    this.#makeWorker = makeWorker ?? (() => new Worker(WORKER_URL, { type: 'module', name: 'lenet-training' }));
    this.#threadedStartMs = threadedStartMs;
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
      if (msg.type === 'pong') {
        this.#pingSent = null;
        return;
      }
      if (msg.type === 'loading' && msg.threaded) this.#watchThreadedStart(worker, options);
      else if (msg.type === 'ready') this.#unwatch();
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

  #watchThreadedStart(worker, options) {
    this.#unwatch();
    const ms = this.#threadedStartMs;
    // Only an unanswered ping counts, not the time between ticks: a background tab's timers may be slowed
    // to one tick a minute, and a live worker answers the ping each tick sends before the next.
    this.#startWatch = setInterval(() => {
      const now = Date.now();
      if (this.#pingSent === null) {
        this.#pingSent = now;
        worker.postMessage({ type: 'ping' });
      } else if (now - this.#pingSent >= ms) {
        this.#unwatch();
        const within = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
        this.start({ ...options, threads: 'one' });
        this.#emit('fallback', {
          threads: 1,
          message: `The threaded build did not start: its worker stopped answering for ${within} (a browser can ` +
            'hang while starting its threads), so training runs on one thread instead.',
        });
      }
    }, Math.min(1000, ms / 4));
  }

  #unwatch() {
    clearInterval(this.#startWatch);
    this.#startWatch = null;
    this.#pingSent = null;
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
    this.#unwatch();
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
