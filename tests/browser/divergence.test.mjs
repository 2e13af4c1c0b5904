// Divergence in the page: a too-large learning rate in the training form stops training with a message,
// the page keeps a working model (the engine's last sane state), and Resume at a lower rate trains on.
// Every wait is for a state of the page, never for an amount of time.
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

const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 3);
const barValue = (page) => page.$eval('#progress-bar', (b) => b.value);

test('Adam at 0.3 diverges: message, a model that still classifies, and Resume at 0.001 trains on', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, server.url);
  const form = page.locator('#train-form');
  await form.getByLabel('Optimizer').selectOption('adam');
  await form.getByLabel('Learning rate').fill('0.3');
  await form.getByLabel('Training images').selectOption('1000');
  await page.getByTestId('train-start').click();

  // Diverged: the message is shown and the trainer waits with Resume offered.
  await page.waitForFunction(() => /diverged/i.test(document.querySelector('[data-testid="error"]').textContent) &&
    document.querySelector('[data-testid="train-pause"]').textContent === 'Resume', null, { timeout: 120_000 });
  const message = await page.getByTestId('error').textContent();
  assert.match(message, /Training diverged at learning rate 0\.3: training diverged at step \d+: /);
  assert.match(message, /back to the last good step .*The last good weights were restored\. Lower the learning rate and press Resume/);
  assert.doesNotMatch(message, /\.\./);
  assert.match(await page.locator('#progress-text').textContent(), /Stopped: diverged in epoch 1/);
  const stoppedAt = await barValue(page);

  // The model the page classifies with is the restored one, and it works.
  await page.getByTestId('clear').click();
  await drawWithMouse(page, digit);
  assert.match(await prediction(page), /^\d$/);
  const probs = await probabilities(page);
  assert.equal(probs.length, 10);
  assert.ok(probs.every(Number.isFinite), `finite probabilities: ${probs}`);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  assert.doesNotMatch(await page.locator('body').textContent(), /NaN/);

  // A lower rate and Resume: training runs again and gets further than where it stopped.
  await form.getByLabel('Learning rate').fill('0.001');
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Pause', null,
    { timeout: 30_000 });
  await page.waitForFunction((v) => document.querySelector('#progress-bar').value > v &&
    /digits\/s/.test(document.querySelector('#progress-text').textContent), stoppedAt, { timeout: 120_000 });
  // The first held-out evaluation after the resume arrives (a quarter of the 1,000 digits in).
  await page.waitForFunction(() => document.querySelector('[data-testid="test-accuracy"]').textContent !== '', null,
    { timeout: 120_000 });
  const accuracy = Number(await page.getByTestId('test-accuracy').textContent());
  assert.ok(accuracy >= 0 && accuracy <= 100, `held-out accuracy ${accuracy}`);
  assert.notEqual(await page.getByTestId('train-pause').textContent(), 'Resume', 'it diverged again at 0.001');
  await page.getByTestId('train-reset').click();
  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.foreign, []);
  await context.close();
});
