// Writes docs/screenshot.png, the README's picture of the page: a replayed MNIST digit classified by the
// shipped model, with its saliency, the network's insides and "Fool it" run on it.
//   node tests/browser/screenshot.mjs
import { join } from 'node:path';

import { STROKES, drawWithMouse, repo, startSuite } from './helpers.mjs';

const suite = await startSuite();
try {
  const { page, close } = await suite.open({ viewport: { width: 1280, height: 1000 } });
  await drawWithMouse(page, STROKES.digits.find((d) => d.set === 'mouse' && d.label === 3));
  await page.getByTestId('fool-target').selectOption('8');
  await page.getByTestId('fool-run').click();
  await page.waitForFunction(() => ['fooled', 'not-fooled'].includes(
    document.querySelector('[data-testid="fool-result"]').dataset.state));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(repo, 'docs/screenshot.png'), clip: { x: 0, y: 0, width: 1280, height: 1000 } });
  await close();
} finally {
  await suite.stop();
}
