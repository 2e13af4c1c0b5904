// What the page must survive: a learning rate that makes training diverge, and a training worker that
// dies. In both the page says what happened, keeps a working model, and can train again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { STROKES, drawWithMouse, launch, openPage, prediction, probabilities, startServer } from './helpers.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 2);

async function classifies(page) {
  await page.getByTestId('clear').click();
  await drawWithMouse(page, digit);
  const probs = await probabilities(page);
  assert.notEqual(await prediction(page), '');
  assert.ok(probs.every(Number.isFinite), `finite probabilities: ${probs}`);
}

test('learning rate 100: training stops with a message and the last good weights', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, server.url);
  const form = page.locator('#train-form');
  await form.getByLabel('Learning rate').fill('100');
  await form.getByLabel('Training images').selectOption('1000');
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => /diverged/i.test(document.querySelector('[data-testid="error"]').textContent),
    null, { timeout: 90_000 });
  assert.match(await page.getByTestId('error').textContent(), /last good weights/);
  assert.equal(await page.getByTestId('train-pause').textContent(), 'Resume');
  await classifies(page);
  assert.doesNotMatch(await page.locator('body').textContent(), /NaN/);
  // a sane learning rate lets it continue from the restored weights
  await form.getByLabel('Learning rate').fill('0.001');
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Pause', null, { timeout: 10_000 });
  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.foreign, []);
  await context.close();
});

test('the training worker dies: message shown, model kept, training can start again', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, server.url);
  await page.locator('#train-form').getByLabel('Training images').selectOption('3000');
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => /digits\/s/.test(document.querySelector('#progress-text').textContent), null, { timeout: 60_000 });
  // The training worker (the threaded build's own thread workers run beside it).
  const workers = page.workers().filter((w) => w.url().endsWith('/train-worker.js'));
  assert.equal(workers.length, 1);
  await workers[0].evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });
  await page.waitForFunction(() => /worker stopped unexpectedly/.test(document.querySelector('[data-testid="error"]').textContent),
    null, { timeout: 10_000 });
  assert.match(await page.getByTestId('error').textContent(), /simulated crash.*current model is kept/);
  await classifies(page);

  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => /digits\/s/.test(document.querySelector('#progress-text').textContent), null, { timeout: 60_000 });
  await page.getByTestId('train-reset').click();
  assert.deepEqual(log.errors, []);
  await context.close();
});
