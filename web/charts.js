// Loss and accuracy curves (uPlot, bundled from npm). x is the epoch, fractional within an epoch.
//
// The charts are an extra: a chart library that fails to load, to build or to draw shows a message where
// the charts were and tells the page once (a bubbling 'lenet-error' event); the points are still counted
// and training, drawing and classifying go on. uPlot is imported on its own for that reason: a static
// import failing would take every module that imports this one down with it.

const AXIS = { stroke: '#46505e', grid: { stroke: '#e3e7ee' }, ticks: { stroke: '#e3e7ee' } };

// uPlot builds an Intl.NumberFormat for navigator.language while its module loads. Some engines report a
// language that Intl refuses (WebKitGTK says 'C' under LANG=C.UTF-8: "RangeError: invalid language tag"),
// so where that is the case navigator.language reads 'en-US' for as long as the module takes to load.
function languageIntlAccepts() {
  try {
    new Intl.NumberFormat(navigator.language);
    return () => {};
  } catch {
    Object.defineProperty(navigator, 'language', { value: 'en-US', configurable: true });
    return () => delete navigator.language;
  }
}

let library = null;
function loadUPlot() {
  library ??= (async () => {
    const restore = languageIntlAccepts();
    try {
      return (await import('./vendor/uPlot.esm.js')).default;
    } finally {
      restore();
    }
  })();
  return library;
}

function chartWidth(el) {
  return Math.max(240, Math.floor(el.clientWidth || 300));
}

export class TrainingCharts {
  constructor(lossEl, accEl) {
    this.rows = []; // [x, loss, trainAcc, testAcc] with null where a value was not measured
    this.elements = [lossEl, accEl];
    this.loss = null;
    this.acc = null;
    this.failed = false;
    loadUPlot().then((uPlot) => this.#create(uPlot), (e) => this.#fail(e));
  }

  #create(uPlot) {
    const [lossEl, accEl] = this.elements;
    try {
      const x = { label: 'epoch', value: (u, v) => (v == null ? '–' : v.toFixed(2)) };
      const common = (el) => ({
        width: chartWidth(el),
        height: 200,
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
      });
      this.loss = new uPlot(
        {
          ...common(lossEl),
          series: [x, { label: 'training loss', stroke: '#c2410c', width: 2, spanGaps: true,
            value: (u, v) => (v == null ? '–' : v.toFixed(3)) }],
          axes: [{ ...AXIS, label: 'epoch' }, { ...AXIS, size: 50 }],
        },
        [[], []],
        lossEl,
      );
      this.acc = new uPlot(
        {
          ...common(accEl),
          scales: { x: { time: false }, y: { range: (u, min, max) => [Math.min(min ?? 0, 80), 100] } },
          series: [
            x,
            { label: 'training', stroke: '#2563eb', width: 2, spanGaps: true,
              value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}%`) },
            { label: 'held-out test', stroke: '#15803d', width: 2, spanGaps: true,
              points: { show: true, size: 7, fill: '#15803d' },
              value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}%`) },
          ],
          axes: [{ ...AXIS, label: 'epoch' }, { ...AXIS, size: 44 }],
        },
        [[], [], []],
        accEl,
      );
      new ResizeObserver(() => this.#resize()).observe(lossEl.parentElement);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.#draw(); // points that arrived while the library loaded
  }

  #fail(e) {
    if (this.failed) return;
    this.failed = true;
    for (const chart of [this.loss, this.acc]) {
      try {
        chart?.destroy();
      } catch {
        // the chart is being replaced by a message either way
      }
    }
    this.loss = null;
    this.acc = null;
    for (const el of this.elements) {
      const note = document.createElement('p');
      note.className = 'chart-error';
      note.textContent = 'The chart could not be drawn.';
      el.replaceChildren(note);
    }
    this.elements[0].dispatchEvent(new CustomEvent('lenet-error', {
      bubbles: true,
      detail: { message: `The training charts could not be drawn (${e?.message ?? e}). Training and everything else work without them.` },
    }));
  }

  #resize() {
    if (!this.loss) return;
    const [lossEl, accEl] = this.elements;
    try {
      this.loss.setSize({ width: chartWidth(lossEl), height: 200 });
      this.acc.setSize({ width: chartWidth(accEl), height: 200 });
    } catch (e) {
      this.#fail(e);
    }
  }

  // accuracies in percent
  add({ x, loss = null, trainAcc = null, testAcc = null }) {
    this.rows.push([x, loss, trainAcc, testAcc]);
    this.rows.sort((a, b) => a[0] - b[0]);
    this.#draw();
  }

  reset() {
    this.rows = [];
    this.#draw();
  }

  get pointCount() {
    return this.rows.length;
  }

  #draw() {
    const col = (i) => this.rows.map((r) => r[i]);
    // how many points each chart holds (counted even while the library loads or if it failed), for tests
    // and curious readers of the DOM
    this.elements[0].dataset.points = String(this.rows.filter((r) => r[1] !== null).length);
    this.elements[1].dataset.points = String(this.rows.filter((r) => r[2] !== null || r[3] !== null).length);
    this.elements[1].dataset.testPoints = String(this.rows.filter((r) => r[3] !== null).length);
    if (!this.loss) return; // still loading, or failed
    try {
      this.loss.setData([col(0), col(1)]);
      this.acc.setData([col(0), col(2), col(3)]);
    } catch (e) {
      this.#fail(e);
    }
  }
}
