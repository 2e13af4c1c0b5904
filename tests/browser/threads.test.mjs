// The threaded build (lenet-mt) through the JavaScript API in a cross-origin isolated page: a two-thread
// step equals the one-thread step, errors and divergence inside threaded steps arrive as Errors with the
// engine's message, and the module's fixed thread pool refuses extra threads with a message, not a hang.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { browserSuite, siteWith } from './helpers.mjs';

// The page as served, with the test's worker beside its modules.
const suite = browserSuite({
  server: () => ({ root: siteWith('test-site-threads', [['tests/browser/threads-worker.mjs', 'threads-worker.mjs']]) }),
});

test('the threaded build trains, reports errors and shares its thread pool', { timeout: 300_000 }, async () => {
  const { page, close } = await suite.open();
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  const out = await page.evaluate(() => new Promise((resolve) => {
    const w = new Worker('threads-worker.mjs', { type: 'module' });
    w.onmessage = (e) => { resolve(e.data); w.terminate(); };
    w.onerror = (e) => resolve({ fatal: e.message || 'worker error' });
    w.postMessage(null);
  }));
  console.log(`# ${JSON.stringify(out)}`);
  assert.equal(out.fatal, undefined);
  assert.equal(out.canUseThreads, true);
  assert.equal(out.maxThreads, Math.min(out.hardwareConcurrency, 4));
  if (out.maxThreads < 2) {
    // a one-core browser: nothing to compare, but asking for two threads is refused with a message
    assert.equal(out.tooManyThreads.ok, false);
    assert.match(out.tooManyThreads.message, /^threads 2 is outside 1\.\.1/);
    assert.equal(out.stillTrains, 64);
    await close();
    return;
  }
  assert.equal(out.threadsAfterSet, 2);
  assert.ok(Math.abs(out.losses[0] - out.losses[1]) < 1e-5, `losses ${out.losses}`);
  assert.ok(out.worstWeightDifference < 1e-5, `weights differ by up to ${out.worstWeightDifference} after one step`);
  assert.deepEqual([out.nanImage.ok, out.nanImage.message], [false, 'image 40, pixel 9 is NaN']);
  assert.equal(out.tooManyThreads.ok, false);
  assert.match(out.tooManyThreads.message, /^threads \d+ is outside 1\.\.\d+/);
  assert.equal(out.diverged?.name, 'DivergenceError');
  assert.match(out.diverged.message, /^training diverged at step \d+: .*last good step/);
  assert.equal(out.stillPredicts, true);
  assert.equal(out.drawingMatches, true, 'predictDrawing in the threaded build = preprocess + predict');
  assert.equal(out.savedAfterDivergence, true);
  // pool of 3: two's one extra, wild's one, then one more network gets the last; the next is refused
  assert.ok(out.refused, 'some network was refused threads once the pool was taken');
  assert.match(out.refused.message, /^could not start 1 training thread\(s\): .*; training stays on 1 thread$/);
  assert.equal(out.refused.threads, 1);
  assert.equal(out.refusedStillTrains, 64);
  assert.deepEqual(out.threadsAgain, { ok: true, value: 2 });
  await close();
});
