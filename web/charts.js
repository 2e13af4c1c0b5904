// Loss and accuracy curves (uPlot, bundled from npm). x is the epoch, fractional within an epoch.
import uPlot from './vendor/uPlot.esm.js';

const AXIS = { stroke: '#46505e', grid: { stroke: '#e3e7ee' }, ticks: { stroke: '#e3e7ee' } };

function chartWidth(el) {
  return Math.max(240, Math.floor(el.clientWidth || 300));
}

export class TrainingCharts {
  constructor(lossEl, accEl) {
    this.rows = []; // [x, loss, trainAcc, testAcc] with null where a value was not measured
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
    this.elements = [lossEl, accEl];
    new ResizeObserver(() => this.#resize()).observe(lossEl.parentElement);
  }

  #resize() {
    const [lossEl, accEl] = this.elements;
    this.loss.setSize({ width: chartWidth(lossEl), height: 200 });
    this.acc.setSize({ width: chartWidth(accEl), height: 200 });
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
    // how many points each chart holds, for tests and curious readers of the DOM
    this.elements[0].dataset.points = String(this.rows.filter((r) => r[1] !== null).length);
    this.elements[1].dataset.points = String(this.rows.filter((r) => r[2] !== null || r[3] !== null).length);
    this.elements[1].dataset.testPoints = String(this.rows.filter((r) => r[3] !== null).length);
    this.loss.setData([col(0), col(1)]);
    this.acc.setData([col(0), col(2), col(3)]);
  }
}
