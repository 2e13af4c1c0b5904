// The page never stops silently: failures injected while it starts (a language tag Intl refuses, a chart
// library that throws as it loads or as it draws, a module that cannot run) end in the error area with a
// message, and what does not depend on the broken part (drawing, classifying, training) still works.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { STROKES, browserSuite, drawWithMouse, prediction } from './helpers.mjs';

const suite = browserSuite();

const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 4);

// Opens the page with `replace` ({ 'file.js': module source }) served in place of the page's own files
// and `init` run before any of the page's scripts; waits until the page has started or given up.
async function open({ replace = {}, init } = {}) {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  for (const [file, body] of Object.entries(replace)) {
    await context.route(`${suite.server.url}${file}`, (route) => route.fulfill({ contentType: 'text/javascript', body }));
  }
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(suite.server.url);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  return { context, page, errors };
}

const errorText = (page) => page.getByTestId('error').textContent();

async function trainBriefly(page) {
  await page.locator('#train-form').getByLabel('Training images').selectOption('1000');
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => /^Done/.test(document.querySelector('#progress-text').textContent), null, { timeout: 120_000 });
}

test("a language tag Intl refuses (WebKitGTK's 'C' under LANG=C.UTF-8) changes nothing", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await open({
    init: () => Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C', configurable: true }),
  });
  // the injected failure is real in this engine: the call uPlot makes as it loads throws
  assert.match(await page.evaluate(() => {
    try {
      return `accepted ${new Intl.NumberFormat(navigator.language).format(1.5)}`;
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }), /^RangeError/);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  // the charts are built once their library has loaded, or replaced by a message if it failed
  await page.waitForSelector('#chart-acc :is(.uplot, .chart-error)');
  assert.equal(await page.locator('.charts .uplot').count(), 2, 'both charts are drawn');
  assert.equal(await page.evaluate(() => navigator.language), 'C', 'the page leaves navigator.language as it found it');
  await drawWithMouse(page, digit);
  assert.equal(await prediction(page), '4');
  assert.equal(await errorText(page), '');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a chart library that throws as it loads: a message, and drawing, classifying and training work', { timeout: 120_000 }, async () => {
  const { context, page } = await open({
    replace: { 'vendor/uPlot.esm.js': "throw new RangeError('simulated chart library failure');\nexport default null;\n" },
  });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  await page.waitForFunction(() => document.querySelector('[data-testid="error"]').textContent !== '');
  assert.match(await errorText(page), /training charts could not be drawn \(simulated chart library failure\)/);
  assert.match(await page.locator('#chart-loss').textContent(), /could not be drawn/);
  await drawWithMouse(page, digit);
  assert.equal(await prediction(page), '4');
  await trainBriefly(page);
  assert.ok(Number(await page.locator('#chart-loss').getAttribute('data-points')) > 0, 'the points are still counted');
  assert.match(await page.locator('#model-info').textContent(), /Trained here/);
  await context.close();
});

test('a chart library that throws as it draws: a message, and training runs to the end', { timeout: 120_000 }, async () => {
  const stub = `export default class {
  constructor(opts, data, el) { el.append(document.createElement('canvas')); }
  setData(data) { if (data[0].length) throw new Error('simulated drawing failure'); }
  setSize() {}
  destroy() {}
}
`;
  const { context, page } = await open({ replace: { 'vendor/uPlot.esm.js': stub } });
  assert.equal(await errorText(page), '', 'nothing is wrong until the charts draw a point');
  await trainBriefly(page);
  assert.match(await errorText(page), /training charts could not be drawn \(simulated drawing failure\)/);
  assert.match(await page.locator('#chart-acc').textContent(), /could not be drawn/);
  await drawWithMouse(page, digit);
  assert.notEqual(await prediction(page), '');
  await context.close();
});

test('an optional panel whose module cannot run: a message, and drawing and classifying work', { timeout: 60_000 }, async () => {
  const { context, page } = await open({ replace: { 'train-panel.js': "throw new Error('simulated panel failure');\n" } });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  assert.match(await errorText(page), /training panel could not start: simulated panel failure/);
  await drawWithMouse(page, digit);
  assert.equal(await prediction(page), '4');
  await context.close();
});

test('a module the page cannot start without: the error area and the status say so', { timeout: 60_000 }, async () => {
  const { context, page } = await open({ replace: { 'draw.js': "throw new Error('simulated module failure');\n" } });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'error');
  assert.match(await errorText(page), /The page could not start: simulated module failure/);
  assert.equal(await page.locator('#engine-status').textContent(), 'The page could not start.');
  await context.close();
});
