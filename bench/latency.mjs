// Single-image latency across fresh processes, cold and warm: `node bench/latency.mjs [processes]` (default
// 6 per network) starts Node processes one after another, alternating classic and modern. Each loads the
// SIMD build and times net.predictDrawing(drawing) (bench/drawing.mjs: the 280x280 RGBA drawing copied in,
// preprocessed, classified): "cold" is the median of calls 51-2,050, "warm" of calls 5,001-7,000, once V8 has
// moved the module's functions to its optimising tier (it starts them in a baseline compiler and tiers a
// function up after it has done enough work, so functions with little work per call tier up late). A
// process's heap layout (where the drawing and the staging buffer fall) is fixed for its life, so the
// spread between processes shows what one benchmark run cannot.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { loadLeNet } from '../web/lenet.js';
import { drawing } from './drawing.mjs';

const PRESETS = ['classic', 'modern'];
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function child(preset) {
  const d = drawing();
  const net = (await loadLeNet({ simd: true })).create({ preset });
  const timed = (n) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      net.predictDrawing(d);
      times.push(performance.now() - t);
    }
    return median(times) * 1000;
  };
  timed(50);
  const cold = timed(2000);
  timed(2950);
  const warm = timed(2000);
  console.log(JSON.stringify({ cold, warm }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else {
  const n = Math.max(1, Number.parseInt(process.argv[2] ?? '6', 10) || 6);
  const runs = Object.fromEntries(PRESETS.map((p) => [p, []]));
  for (let i = 0; i < n; i++) {
    for (const p of PRESETS) {
      const r = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', p], { encoding: 'utf8' }));
      runs[p].push(r);
      console.log(`process ${i + 1}, ${p}: cold ${r.cold.toFixed(1)} us, warm ${r.warm.toFixed(1)} us`);
    }
  }
  for (const p of PRESETS) {
    const line = ['cold', 'warm'].map((k) => {
      const v = runs[p].map((r) => r[k]);
      return `${k} median ${median(v).toFixed(1)} us (${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)})`;
    });
    console.log(`${p}: ${line.join(', ')} over ${n} processes`);
  }
}
