// "Teach it new things" measured on the real page in headless Chromium: types the class names into the
// panel, draws N examples of each symbol on the pad with the mouse (tests/browser/symbols.mjs, stream
// 'train<seed>') and adds each with the class's "Add drawing" button, presses Train, then draws held-out
// symbols (stream 'test') on the pad and reads the page's prediction. Prints the held-out accuracy, the
// training time the worker measured and the time from pressing Train to the trained network classifying
// (wall clock), and writes build/artifacts/bench-teach.json and a screenshot of the panel. bench/README.md
// keeps the figures.
//
//   node bench/teach.mjs [--set first|second] [--examples 8] [--test 20] [--seed 1] [--runs 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launch, openPage, repo, startServer } from '../tests/browser/helpers.mjs';

import { addClass, addExample, classifyDrawing, trainClasses } from '../tests/browser/symbols-page.mjs';
import { SETS, symbolDrawing } from '../tests/browser/symbols.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const NAMES = SETS[arg('set', 'first')];
const EXAMPLES = Number(arg('examples', 8));
const TEST = Number(arg('test', 20));
const SEED = Number(arg('seed', 1));
const RUNS = Number(arg('runs', 1));

const server = await startServer();
const browser = await launch();
const results = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, log } = await openPage(context, server.url);
    for (const name of NAMES) await addClass(page, name);
    for (const name of NAMES) {
      for (let i = 0; i < EXAMPLES; i++) await addExample(page, symbolDrawing(name, i, `train${SEED + run}`));
    }
    const trained = await trainClasses(page);
    const wrong = [];
    let correct = 0;
    for (const name of NAMES) {
      for (let i = 0; i < TEST; i++) {
        const said = await classifyDrawing(page, symbolDrawing(name, i, 'test'));
        if (said === name) correct++;
        else wrong.push(`${name}#${i}->${said}`);
      }
    }
    const total = NAMES.length * TEST;
    const row = { classes: NAMES, examples: EXAMPLES, seed: SEED + run, accuracy: correct / total, correct, total,
      workerSeconds: trained.workerSeconds, clickToClassifyingSeconds: trained.wallSeconds, wrong, errors: log.errors };
    results.push(row);
    console.log(`${NAMES.join(' ')}: ${EXAMPLES} drawn examples per class (seed ${row.seed}); held out ${correct}/${total} ` +
      `= ${(100 * row.accuracy).toFixed(1)} %; training ${row.workerSeconds.toFixed(2)} s in the worker, ` +
      `${row.clickToClassifyingSeconds.toFixed(2)} s from pressing Train to classifying${wrong.length ? `; wrong: ${wrong.join(' ')}` : ''}`);
    if (log.errors.length) console.log(`page errors: ${log.errors.join(' | ')}`);
    mkdirSync(join(repo, 'build/artifacts'), { recursive: true });
    if (run === 0) await page.locator('#classes').screenshot({ path: join(repo, 'build/artifacts/bench-teach-panel.png') });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
writeFileSync(join(repo, 'build/artifacts/bench-teach.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
