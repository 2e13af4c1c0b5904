// Accessibility, checked by axe-core against WCAG 2.1 A and AA: the page, the lesson page, and a page
// holding each lesson element alone; each at rest and again after a drawing is classified (and, for the
// page, <lenet-trainer> and the classes taught on the page and in <lenet-teach>, after training has shown
// its results). Every violation fails the test, and so does every check axe could not decide
// ("incomplete"): those need a person, so the source is changed until axe can decide them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';

import { STROKES, drawWithMouse, mouseStrokes, openPage, siteAndLessonSuite, strokePaths } from './helpers.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const suite = siteAndLessonSuite();

// Runs axe on the page as it is now; fails with every finding listed (rule, elements, what to fix).
async function noFindings(page, where) {
  // Class names may be symbols alone (✓, ★): axe leaves the contrast of such text undecided unless told to
  // measure it as it measures letters, which is stricter, not looser. (options() replaces every run option,
  // so it comes before withTags.)
  const r = await new AxeBuilder({ page })
    .options({ checks: { 'color-contrast': { options: { ignoreUnicode: false } } } }).withTags(TAGS).analyze();
  const findings = [...r.violations.map((v) => ['violation', v]), ...r.incomplete.map((v) => ['undecided', v])]
    .map(([kind, v]) => `${kind} ${v.id} (${v.help}):\n${v.nodes.map((n) =>
      `    ${JSON.stringify(n.target)}: ${(n.failureSummary ?? '').replace(/\s*\n\s*/g, ' ')}`).join('\n')}`);
  assert.equal(findings.length, 0, `axe on ${where}:\n  ${findings.join('\n  ')}`);
  assert.ok(r.passes.length >= 10, `axe ran its checks on ${where} (${r.passes.length} passed)`);
  return r.passes.length;
}

const digit = STROKES.digits.find((d) => d.set === 'mouse' && d.label === 4);

// Draws the digit on a <lenet-pad>'s canvas with the mouse and waits for the pad's own classified hook.
async function drawOnPad(page, pad) {
  const canvas = page.locator(`${pad} canvas.pad-canvas`);
  await canvas.scrollIntoViewIfNeeded();
  await mouseStrokes(page, strokePaths(await canvas.boundingBox(), digit));
  await page.waitForFunction(([sel, n]) => document.querySelector(sel).dataset.classified === String(n),
    [pad, digit.strokes.length], { timeout: 10_000 });
  assert.equal(await page.locator(pad).getAttribute('data-prediction'), String(digit.label));
}

async function padsReady(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('lenet-pad')].every((p) => p.dataset.state === 'ready'),
    null, { timeout: 30_000 });
}

// Starts a <lenet-trainer> and pauses it once it has taken a few steps, so its numbers, loss chart and
// filters are drawn.
async function trainAWhile(page, trainer) {
  await page.locator(`${trainer} button.train`).click();
  await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.steps) >= 2, trainer, { timeout: 60_000 });
  await page.locator(`${trainer} button.train`).click();
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.state === 'paused', trainer);
}

test('the page: at rest, with a drawing classified, and with a training run reported', { timeout: 180_000 }, async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, suite.site.url);
  await noFindings(page, 'the page at start');
  await drawWithMouse(page, digit);
  await noFindings(page, 'the page with a drawing classified');
  const form = page.locator('#train-form');
  await form.getByLabel('Training images').selectOption('1000');
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => /^Done/.test(document.querySelector('#progress-text').textContent), null, { timeout: 120_000 });
  await page.waitForSelector('#confusion table');
  await page.waitForSelector('#chart-acc .uplot');
  await noFindings(page, 'the page after a training run');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the lesson page: at rest, with a drawing classified and after training a while', { timeout: 120_000 }, async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openElementsPage(context, `${suite.dist.url}embed.html`);
  await padsReady(page);
  await noFindings(page, 'embed.html at rest');
  await drawOnPad(page, 'lenet-pad#digit');
  await page.waitForFunction(() => [...document.querySelectorAll('lenet-maps')].every((m) => m.dataset.shown));
  await trainAWhile(page, 'lenet-trainer');
  await noFindings(page, 'embed.html after drawing and training');
  assert.deepEqual(log.errors, []);
  await context.close();
});

// A page holding one element and nothing else, served beside dist/'s widget/ so it loads as a lesson would.
function alonePage(body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>One LeNet-5 element</title>
<script type="module" src="widget/lenet-elements.js"></script></head>
<body><main><h1>One element</h1>
${body}
</main></body>
</html>`;
}

async function openElementsPage(context, url, html) {
  const errors = [];
  if (html) await context.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => ['lenet-pad', 'lenet-maps', 'lenet-trainer'].every((n) => customElements.get(n)));
  return { page, log: { errors } };
}

test('each element alone: <lenet-pad>, <lenet-maps>, <lenet-trainer>', { timeout: 120_000 }, async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });

  const pad = await openElementsPage(context, `${suite.dist.url}a11y-pad.html`,
    alonePage('<lenet-pad id="pad" show="probabilities preprocessed feature-maps" layer="C3"></lenet-pad>'));
  await padsReady(pad.page);
  await noFindings(pad.page, '<lenet-pad> alone');
  await drawOnPad(pad.page, 'lenet-pad#pad');
  await noFindings(pad.page, '<lenet-pad> alone with a drawing classified');
  assert.deepEqual(pad.log.errors, []);

  // No pad: the maps are laid out empty, as before a first drawing.
  const maps = await openElementsPage(context, `${suite.dist.url}a11y-maps.html`,
    alonePage('<lenet-maps for="nowhere" layer="C1"></lenet-maps>\n<lenet-maps for="nowhere" layer="F6"></lenet-maps>'));
  await maps.page.waitForFunction(() => [...document.querySelectorAll('lenet-maps')].every((m) => m.shadowRoot?.querySelector('canvas')));
  await noFindings(maps.page, '<lenet-maps> alone');
  assert.deepEqual(maps.log.errors, []);

  const trainer = await openElementsPage(context, `${suite.dist.url}a11y-trainer.html`,
    alonePage('<lenet-trainer preset="modern"></lenet-trainer>'));
  await noFindings(trainer.page, '<lenet-trainer> alone');
  await trainAWhile(trainer.page, 'lenet-trainer');
  await noFindings(trainer.page, '<lenet-trainer> alone after training a while');
  assert.deepEqual(trainer.log.errors, []);
  await context.close();
});

// "Teach it new things" (the page's panel) and <lenet-teach> with classes, drawings in their galleries and a
// network trained on them: the same stand-in drawing (a 4) for every class is enough for what axe judges.
test('the page with its "Teach it new things" panel in use: classes, drawings, trained, classifying by name', { timeout: 300_000 }, async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openPage(context, suite.site.url);
  for (const name of ['✓', 'Stern']) {
    await page.locator('#classes-name').fill(name);
    await page.locator('#classes-new button[type="submit"]').click();
    for (let i = 1; i <= 3; i++) {
      await drawWithMouse(page, digit);
      await page.getByRole('button', { name: `Add drawing to ${name}`, exact: true }).click();
      await page.waitForFunction(([n, c]) => document.querySelector(`#classes-list > li[data-name="${n}"]`)?.dataset.examples === String(c), [name, i]);
    }
  }
  await noFindings(page, 'the page with two classes and their drawings');
  await page.locator('#classes-train').click();
  await page.waitForFunction(() => document.querySelector('#classes').dataset.trainings === '1', null, { timeout: 240_000 });
  await drawWithMouse(page, digit);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="probabilities"] li').length === 2);
  await noFindings(page, 'the page classifying with the classes taught');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('<lenet-teach> alone: at rest, with drawings, trained and classifying', { timeout: 300_000 }, async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page, log } = await openElementsPage(context, `${suite.dist.url}a11y-teach.html`,
    alonePage('<lenet-teach id="teach" classes="✓,Stern"></lenet-teach>'));
  await page.waitForFunction(() => document.querySelector('lenet-teach').dataset.state === 'ready', null, { timeout: 60_000 });
  await noFindings(page, '<lenet-teach> alone at rest');
  const teach = page.locator('lenet-teach');
  const canvas = teach.locator('canvas[part="canvas"]');
  // the digit drawn on the element's pad, waiting for the element's own classified hook
  async function draw() {
    await teach.getByRole('button', { name: 'Clear', exact: true }).click();
    await canvas.scrollIntoViewIfNeeded();
    await mouseStrokes(page, strokePaths(await canvas.boundingBox(), digit));
    await page.waitForFunction((n) => document.querySelector('lenet-teach').dataset.classified === String(n), digit.strokes.length);
  }
  for (const [k, name] of ['✓', 'Stern'].entries()) {
    for (let i = 1; i <= 3; i++) {
      await draw();
      await teach.getByRole('button', { name: `Add to ${name}`, exact: true }).click();
      await page.waitForFunction(([k, c]) => document.querySelector('lenet-teach').dataset.examples.split(',')[k] === String(c), [k, i]);
    }
  }
  await noFindings(page, '<lenet-teach> alone with drawings');
  await teach.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('lenet-teach').dataset.trainings === '1', null, { timeout: 240_000 });
  await draw();
  await noFindings(page, '<lenet-teach> alone, trained, with a drawing classified');
  assert.deepEqual(log.errors, []);
  await context.close();
});
