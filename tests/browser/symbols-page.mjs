// Driving the page's "Teach it new things" panel as a person would, for teach-classes.test.mjs and
// bench/teach.mjs: name a class, draw a symbol (symbols.mjs) on the pad with the mouse, add it to its
// class, train, classify a drawing. Drawings are replayed with the helpers' densify at each drawing's own
// pen speed, in the units of strokes.json.
import { STROKES, densify, prediction } from './helpers.mjs';

const WAIT = { timeout: 60_000 };

export async function addClass(page, name) {
  await page.locator('#classes-name').fill(name);
  await page.locator('#classes-new button[type="submit"]').click();
  await page.waitForFunction((n) => [...document.querySelectorAll('#classes-list > li')].some((li) => li.dataset.name === n), name, WAIT);
}

// Draws the symbol with the mouse on `canvas` (a locator; default the page's pad), as a person would: the
// pad scrolled into view, a pointer event every drawing.step page pixels.
export async function drawOn(page, drawing, canvas = page.getByTestId('draw-canvas')) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const map = ([x, y]) => [box.x + (x / STROKES.unit) * box.width, box.y + (y / STROKES.unit) * box.height];
  for (const stroke of drawing.strokes) {
    const pts = densify(stroke.map(map), drawing.step);
    await page.mouse.move(...pts[0]);
    await page.mouse.down();
    for (const p of pts.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
}

// Draws the symbol on the page's pad and waits until the page has classified the whole drawing.
export async function drawSymbol(page, drawing) {
  await drawOn(page, drawing);
  await page.waitForFunction((n) => document.body.dataset.classified === String(n), drawing.strokes.length, WAIT);
}

function examplesOf(page, name) {
  return page.$$eval('#classes-list > li', (lis, n) => Number(lis.find((li) => li.dataset.name === n)?.dataset.examples ?? -1), name);
}

// Draws the symbol and adds it to its class (drawing.label) with the class's "Add drawing" button.
export async function addExample(page, drawing) {
  const before = await examplesOf(page, drawing.label);
  await drawSymbol(page, drawing);
  await page.getByRole('button', { name: `Add drawing to ${drawing.label}`, exact: true }).click();
  await page.waitForFunction(([n, count]) => [...document.querySelectorAll('#classes-list > li')]
    .some((li) => li.dataset.name === n && li.dataset.examples === String(count)), [drawing.label, before + 1], WAIT);
}

// Presses Train and waits for the trained network to be in use. Returns the worker's training seconds
// and the wall-clock seconds from the click to the network classifying.
export async function trainClasses(page) {
  const runs = Number(await page.locator('#classes').getAttribute('data-trainings') ?? 0);
  const t0 = Date.now();
  await page.locator('#classes-train').click();
  await page.waitForFunction((n) => Number(document.querySelector('#classes').dataset.trainings) === n, runs + 1, { timeout: 300_000 });
  const wallSeconds = (Date.now() - t0) / 1000;
  return { workerSeconds: Number(await page.locator('#classes').getAttribute('data-train-seconds')), wallSeconds };
}

// Clears the pad, draws the symbol and returns what the page says it is.
export async function classifyDrawing(page, drawing) {
  await page.locator('#clear').click();
  await drawSymbol(page, drawing);
  return prediction(page);
}
