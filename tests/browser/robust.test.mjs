// What the page must survive: a learning rate that makes training diverge, and a training worker that
// dies. In both the page says what happened, keeps a working model, and can train again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  LONG_RUN, STROKES, browserSuite, redraw, resumeTraining, startTraining, trainerState, waitForDone, waitForTraining,
} from './helpers.mjs';

const suite = browserSuite();
const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 2);

async function classifies(page) {
  const { digit: shown, probs } = await redraw(page, digit);
  assert.notEqual(shown, '');
  assert.ok(probs.every(Number.isFinite), `finite probabilities: ${probs}`);
}

test('learning rate 100: training stops with a message and the last good weights', { timeout: 300_000 }, async () => {
  const { page, close } = await suite.open();
  await startTraining(page, { learningRate: 100, images: 1000 });
  await page.waitForFunction(() => /diverged/i.test(document.querySelector('[data-testid="error"]').textContent),
    null, { timeout: 180_000 });
  assert.match(await page.getByTestId('error').textContent(), /last good weights/);
  assert.equal(await trainerState(page), 'paused');
  await classifies(page);
  assert.doesNotMatch(await page.locator('body').textContent(), /NaN/);
  // a sane learning rate lets it continue from the restored weights, to the end of the run
  await page.locator('#train-form').getByLabel('Learning rate').fill('0.001');
  await resumeTraining(page);
  await waitForDone(page);
  await classifies(page);
  await close();
});

test('the training worker dies: message shown, model kept, training can start again', { timeout: 300_000 }, async () => {
  const { page, close } = await suite.open();
  await startTraining(page, { images: 3000, epochs: LONG_RUN.epochs });
  await waitForTraining(page);
  // The training worker (the threaded build's own thread workers run beside it), alive mid-run.
  const workers = page.workers().filter((w) => w.url().endsWith('/train-worker.js'));
  assert.equal(workers.length, 1);
  await workers[0].evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });
  await page.waitForFunction(() => /worker stopped unexpectedly/.test(document.querySelector('[data-testid="error"]').textContent),
    null);
  assert.match(await page.getByTestId('error').textContent(), /simulated crash.*current model is kept/);
  assert.equal(await trainerState(page), 'idle');
  await classifies(page);

  await page.getByTestId('train-start').click();
  await waitForTraining(page);
  await page.getByTestId('train-reset').click();
  await close();
});
