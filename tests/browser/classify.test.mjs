// Draw real MNIST test digits (traced into pen strokes by make-strokes.mjs) with the mouse and with a
// finger, and check the shipped model classifies them, the 28x28 view is shown and nothing else happens
// (no console errors, no request leaving the origin, no page scroll under a finger).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  STROKES, browserSuite, classified, drawWithMouse, finger, prediction, preprocessedInk, probabilities,
} from './helpers.mjs';

const suite = browserSuite();

function digits(set) {
  const list = STROKES.digits.filter((d) => d.set === set);
  assert.equal(list.length, 10, `strokes.json has 10 '${set}' digits`);
  return list;
}

test('mouse: at least 9 of 10 traced MNIST test digits are classified correctly', async () => {
  const { page, close } = await suite.open();
  assert.equal(await prediction(page), '', 'an empty canvas shows no prediction');
  assert.equal((await probabilities(page)).filter((p) => !Number.isNaN(p)).length, 0, 'no bars before drawing');

  const results = [];
  for (const digit of digits('mouse')) {
    await page.getByTestId('clear').click();
    await classified(page, 0);
    assert.equal(await prediction(page), '', 'cleared canvas shows no prediction');
    await drawWithMouse(page, digit);
    const got = await prediction(page);
    const probs = await probabilities(page);
    assert.equal(probs.length, 10);
    assert.ok(Math.abs(probs.reduce((s, p) => s + p, 0) - 1) < 1e-3, `probabilities sum to 1: ${probs}`);
    assert.ok((await preprocessedInk(page)) > 20, 'the preprocessed 28x28 view shows the digit');
    results.push(`${digit.label}->${got}`);
  }
  const correct = results.filter((r) => r[0] === r[3]).length;
  assert.ok(correct >= 9, `mouse: ${correct}/10 correct (${results.join(' ')})`);
  await close();
});

test('prediction updates while drawing, before the pen is lifted', async () => {
  const { page, close } = await suite.open();
  const box = await page.getByTestId('draw-canvas').boundingBox();
  // a long vertical stroke, held down: the throttled prediction must appear during the stroke ('0+': no
  // finished stroke, one in progress, in the page's count of what the shown result covers)
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 30; i++) {
    await page.mouse.move(box.x + box.width * (0.5 - i * 0.003), box.y + box.height * (0.15 + i * 0.023));
  }
  await classified(page, '0+');
  assert.notEqual(await prediction(page), '', 'a prediction is shown while the pen is still down');
  await page.mouse.up();
  await classified(page, 1);
  assert.equal(await prediction(page), '1', 'a single vertical stroke is a 1');
  // undo removes the only stroke: back to no prediction
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await classified(page, 0);
  assert.equal(await prediction(page), '');
  assert.equal(await preprocessedInk(page), 0);
  await close();
});

test('touch on a 360 px phone: at least 9 of 10 classified, and the page does not scroll', async () => {
  const { page, context, close } = await suite.open({
    viewport: { width: 360, height: 740 }, context: { deviceScaleFactor: 2, hasTouch: true, isMobile: true },
  });
  const touch = finger(page, await context.newCDPSession(page));
  await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  const scrollBefore = await page.evaluate(() => [window.scrollX, window.scrollY, window.visualViewport.scale]);
  const results = [];
  for (const digit of digits('touch')) {
    await touch.tap(page.getByTestId('clear'));
    await classified(page, 0);
    await touch.draw(digit);
    results.push(`${digit.label}->${await prediction(page)}`);
    assert.ok((await preprocessedInk(page)) > 20, 'the preprocessed 28x28 view shows the digit');
  }
  const scrollAfter = await page.evaluate(() => [window.scrollX, window.scrollY, window.visualViewport.scale]);
  assert.deepEqual(scrollAfter, scrollBefore, 'drawing with a finger neither scrolls nor zooms the page');
  const correct = results.filter((r) => r[0] === r[3]).length;
  assert.ok(correct >= 9, `touch: ${correct}/10 correct (${results.join(' ')})`);
  // nothing wider than the phone's screen
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a 360 px screen`);
  await close();
});
