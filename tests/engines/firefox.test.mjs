// The smoke checks (smoke.mjs) in Firefox: Debian's firefox-esr, driven over WebDriver BiDi by
// puppeteer-core (which downloads no browser). Pointer input goes through BiDi input actions.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer from 'puppeteer-core';

import { repo, startServer } from '../browser/helpers.mjs';
import { lesson, loadAndClassify, trainSaveReload } from './smoke.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

let site;
let dist;
let firefox;
let page;
let errors;
let found;

before(async () => {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} is missing: scripts/setup.sh installs firefox-esr`);
  [site, dist] = await Promise.all([startServer(), startServer({ root: join(repo, 'dist') })]);
  firefox = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true, // in a fresh temporary profile: nothing saved by an earlier run can stand in for this one's
  });
  page = await firefox.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
});

after(async () => {
  await firefox?.close();
  await site?.stop();
  await dist?.stop();
});

const browser = {
  name: 'firefox',
  goto: (url) => page.goto(url, { waitUntil: 'load' }),
  reload: () => page.reload({ waitUntil: 'load' }),
  run: (fn, ...args) => page.evaluate(fn, ...args),
  async strokes(strokes) {
    for (const points of strokes) {
      await page.mouse.move(...points[0]);
      await page.mouse.down();
      for (const p of points.slice(1)) await page.mouse.move(...p);
      await page.mouse.up();
    }
  },
  click: (x, y) => page.mouse.click(x, y),
};

test('firefox: the page loads and classifies drawn digits', { timeout: 120_000 }, async () => {
  found = await loadAndClassify(browser, site.url);
  const e = found.engine;
  console.log(`# firefox ${await firefox.version()}: crossOriginIsolated ${e.crossOriginIsolated}, SharedArrayBuffer ${e.sharedArrayBuffer}, navigator.language ${e.language}`);
  assert.deepEqual(errors, []);
});

test('firefox: a short training run, saved in the browser and loaded again after a reload', { timeout: 300_000 }, async () => {
  assert.ok(found, 'the page loaded');
  const run = await trainSaveReload(browser, found);
  console.log(`# firefox: trained 1,000 digits on ${run.threads} thread(s), held-out accuracy ${run.accuracy} %`);
  assert.deepEqual(errors, []);
});

test('firefox: the lesson page (dist/embed.html): elements render, the pad classifies, the trainer trains', { timeout: 180_000 }, async () => {
  await lesson(browser, `${dist.url}embed.html`);
  assert.deepEqual(errors, []);
});
