// "Teach it your handwriting": examples drawn on the pad fine-tune the classifier layers with C1..S4
// frozen; the page reports before/after accuracy on those examples and can undo. Also: Download .bin
// gives a file that loads again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { STROKES, drawWithMouse, launch, openPage, prediction, startServer } from './helpers.mjs';

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

test('fine-tuning on drawn examples reports before/after accuracy and can be undone', { timeout: 90_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, server.url);
  const run = page.locator('#teach-run');
  assert.ok(await run.isDisabled(), 'nothing to fine-tune on yet');
  const pad = page.getByTestId('draw-canvas');
  for (const digit of STROKES.digits.filter((d) => d.set === 'touch')) {
    // the teaching keys sit below the fold on a desktop: scroll back to the pad, as a person would
    await pad.scrollIntoViewIfNeeded();
    await drawWithMouse(page, digit);
    await page.locator('#teach-keys button').nth(digit.label).click();
    assert.equal(await prediction(page), '', 'adding an example clears the pad');
  }
  assert.match(await page.locator('#teach-counts').textContent(), /^10 examples: 1× 0, 1× 1/);
  await run.click();
  await page.waitForFunction(() => /after/.test(document.querySelector('#teach-result').textContent), null, { timeout: 30_000 });
  const text = await page.locator('#teach-result').textContent();
  const [, beforePct, afterPct] = text.match(/before (\d+) %, after (\d+) %/).map(Number);
  assert.ok(afterPct >= beforePct && afterPct >= 90, text);
  assert.match(await page.locator('#model-info').textContent(), /your handwriting/);
  await pad.scrollIntoViewIfNeeded();
  await drawWithMouse(page, STROKES.digits.find((d) => d.set === 'mouse' && d.label === 5));
  assert.notEqual(await prediction(page), '');

  await page.locator('#teach-revert').click();
  assert.match(await page.locator('#model-info').textContent(), /^Shipped modern/);

  // Download .bin, then load that file: accepted, same kind of model.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#model-download').click()]);
  const path = await download.path();
  await page.getByTestId('model-upload').setInputFiles({ name: 'downloaded.bin', mimeType: 'application/octet-stream',
    buffer: (await import('node:fs')).readFileSync(path) });
  await page.waitForFunction(() => /downloaded\.bin/.test(document.querySelector('#model-info').textContent));
  assert.equal(await page.getByTestId('error').textContent(), '');
  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.foreign, []);
  await context.close();
});
