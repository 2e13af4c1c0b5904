// The Trainer (web/training.js) replaces a training worker that hangs while starting the threaded build
// (seen in Firefox) by a one-thread one, and leaves alone a worker that starts, however slowly. Fake
// workers stand in for the real one, so the hang is certain and no browser is needed; timing cannot decide
// any outcome: the hung worker never answers, the others answer every ping in the same turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Trainer } from '../../web/training.js';

// A fake worker: answers 'start' with what script(options) returns, all in one turn; a live one (alive:
// true) answers pings at once, as the real one does between the steps of its load.
function fakeWorkers(script, { alive = false } = {}) {
  const made = [];
  const makeWorker = () => {
    const w = {
      started: [],
      terminated: false,
      onmessage: null,
      postMessage(msg) {
        if (msg.type === 'ping' && alive) queueMicrotask(() => !w.terminated && w.onmessage({ data: { type: 'pong' } }));
        if (msg.type !== 'start') return;
        w.started.push(msg.options);
        queueMicrotask(() => {
          for (const data of script(msg.options, made.indexOf(w))) if (!w.terminated) w.onmessage({ data });
        });
      },
      terminate() { w.terminated = true; },
    };
    made.push(w);
    return w;
  };
  return { made, makeWorker };
}

const once = (target, type) => new Promise((resolve) => target.addEventListener(type, (e) => resolve(e.detail), { once: true }));

test('a threaded start that never becomes ready is replaced by a one-thread run that trains', { timeout: 60_000 }, async () => {
  // The first worker hangs after saying it starts the threaded build; any later one starts on one thread.
  const { made, makeWorker } = fakeWorkers((options, index) => (index === 0
    ? [{ type: 'loading', threaded: true }]
    : [{ type: 'loading', threaded: options.threads !== 'one' }, { type: 'ready', build: 'simd', maxThreads: 1 },
      { type: 'started', threads: 1 }]));
  const trainer = new Trainer({ makeWorker, threadedStartMs: 20 });
  const fallback = once(trainer, 'fallback');
  const started = once(trainer, 'started');
  const options = { preset: 'lecun1998', epochs: 2, learningRate: 0.05, threads: 'all' };
  trainer.start(options);
  const note = await fallback;
  await started;
  assert.equal(made.length, 2, 'one replacement worker');
  assert.ok(made[0].terminated, 'the hung worker is terminated');
  assert.ok(!made[1].terminated);
  assert.deepEqual(made[1].started, [{ ...options, threads: 'one' }], 'the same run, on one thread');
  assert.equal(note.threads, 1);
  assert.match(note.message, /did not start: its worker stopped answering for 20 ms/);
  assert.match(note.message, /one thread/);
  assert.equal(trainer.state, 'training');
  trainer.reset();
});

test('a threaded start that becomes ready is left alone, and reset stops the watch', async () => {
  const { made, makeWorker } = fakeWorkers(() => [
    { type: 'loading', threaded: true }, { type: 'ready', build: 'simd', maxThreads: 2 }, { type: 'started', threads: 2 }]);
  const trainer = new Trainer({ makeWorker, threadedStartMs: 20 });
  let fallbacks = 0;
  trainer.addEventListener('fallback', () => fallbacks++);
  const started = once(trainer, 'started');
  trainer.start({ preset: 'modern', threads: 'all' });
  await started;
  // Well past the watch: nothing may replace a worker that reported ready.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fallbacks, 0);
  assert.equal(made.length, 1);
  assert.equal(trainer.state, 'training');

  // A worker still starting when the run is reset is not replaced afterwards.
  const hung = fakeWorkers(() => [{ type: 'loading', threaded: true }]);
  const second = new Trainer({ makeWorker: hung.makeWorker, threadedStartMs: 20 });
  second.addEventListener('fallback', () => fallbacks++);
  second.start({ preset: 'modern', threads: 'all' });
  await new Promise((resolve) => setTimeout(resolve, 0));
  second.reset();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fallbacks, 0);
  assert.equal(hung.made.length, 1);
  assert.equal(second.state, 'idle');
});

test('a slow threaded start that answers pings is never replaced', { timeout: 60_000 }, async () => {
  // 'ready' comes ten watch periods after 'loading'; meanwhile the worker answers every ping.
  let worker;
  const { made, makeWorker } = fakeWorkers(() => [{ type: 'loading', threaded: true }], { alive: true });
  const trainer = new Trainer({ makeWorker: () => (worker = makeWorker()), threadedStartMs: 20 });
  let fallbacks = 0;
  trainer.addEventListener('fallback', () => fallbacks++);
  const started = once(trainer, 'started');
  trainer.start({ preset: 'classic', threads: 'all' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const data of [{ type: 'ready', build: 'simd', maxThreads: 2 }, { type: 'started', threads: 2 }]) worker.onmessage({ data });
  assert.equal((await started).threads, 2);
  assert.equal(fallbacks, 0);
  assert.equal(made.length, 1);
  trainer.reset();
});
