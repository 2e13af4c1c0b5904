// Threaded training in the browser: headless Chromium opens the page (cross-origin isolated, as
// scripts/serve.mjs serves it) and a worker trains with the single-threaded SIMD build, the threaded build
// on one thread and the threaded build on all the threads it may use, in alternating rounds (A B C A B C),
// on the page's MNIST subset. Prints JSON: samples/s per side (median over rounds) and the scaling ratios.
//
//   node bench/browser-threads.mjs [--quick] [--json]
// Needs build/site (npm run build) and /usr/bin/chromium.
import { launch, siteWith, startServer } from '../tests/browser/helpers.mjs';

const quick = process.argv.includes('--quick');
const rounds = quick ? 3 : 5;
const seconds = quick ? 1.5 : 3;

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

export async function benchBrowserThreads({ presets = ['classic', 'modern'] } = {}) {
  // The page as served, plus the bench worker beside its modules.
  const server = await startServer({ root: siteWith('bench-site-threads', [['bench/threads-worker.mjs', 'threads-worker.mjs']]) });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated === true);
    if (!isolated) throw new Error('the page is not cross-origin isolated: check the COOP/COEP headers of scripts/serve.mjs');
    const out = await page.evaluate(({ presets, rounds, seconds }) => new Promise((resolve) => {
      const w = new Worker('threads-worker.mjs', { type: 'module' });
      w.onmessage = (e) => { resolve(e.data); w.terminate(); };
      w.onerror = (e) => resolve({ ok: false, error: e.message || 'worker error' });
      w.postMessage({ presets, rounds, seconds });
    }), { presets, rounds, seconds });
    if (!out.ok) throw new Error(`threads benchmark in the page failed: ${out.error}`);
    const report = { browser: browser.version(), threads: out.threads, hardwareConcurrency: out.hardwareConcurrency, rounds, secondsPerRound: seconds, presets: {} };
    for (const [preset, sides] of Object.entries(out.results)) {
      const r = {};
      for (const [key, s] of Object.entries(sides)) r[key] = { threads: s.threads, samplesPerSecond: median(s.rates), rates: s.rates };
      const many = r[`threadedBuild${out.threads}`].samplesPerSecond;
      r.overSingleThreadBuild = many / r.singleThreadBuild.samplesPerSecond;
      r.overThreadedBuild1 = many / r.threadedBuild1.samplesPerSecond;
      report.presets[preset] = r;
    }
    return report;
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1] && process.argv[1].endsWith('browser-threads.mjs')) {
  const report = await benchBrowserThreads();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`Chromium ${report.browser}, ${report.threads} threads (hardwareConcurrency ${report.hardwareConcurrency}), medians of ${rounds} alternating rounds`);
    for (const [preset, r] of Object.entries(report.presets)) {
      console.log(`${preset}: single-thread build ${Math.round(r.singleThreadBuild.samplesPerSecond)} samples/s, threaded build on 1 thread ` +
        `${Math.round(r.threadedBuild1.samplesPerSecond)}, on ${report.threads}: ${Math.round(r[`threadedBuild${report.threads}`].samplesPerSecond)} ` +
        `(${r.overSingleThreadBuild.toFixed(2)}x the single-thread build, ${r.overThreadedBuild1.toFixed(2)}x one thread of its own)`);
    }
  }
}
