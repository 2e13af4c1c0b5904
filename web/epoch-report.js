// After each epoch: the confusion matrix of the held-out test set and a gallery of misclassified digits.
import { paintMap } from './images.js';

export class EpochReport {
  constructor({ confusion, gallery, hint }) {
    this.confusion = confusion;
    this.gallery = gallery;
    this.hint = hint;
  }

  // matrix: 100 counts, row = true digit, column = predicted digit.
  // mistakes: [{ image: Uint8Array(side*side) 0..255, side, label, predicted }]
  // wrong: how many of the total were misclassified (the gallery shows the first few).
  show({ epoch, matrix, mistakes, wrong, total }) {
    this.hint.textContent = `Epoch ${epoch}: ${wrong} of ${total} held-out test digits misclassified` +
      (wrong > mistakes.length ? `; the first ${mistakes.length} are shown.` : '.');
    const table = document.createElement('table');
    const caption = document.createElement('caption');
    caption.className = 'sr-only';
    caption.textContent = `Confusion matrix after epoch ${epoch}`;
    const head = document.createElement('tr');
    head.append(document.createElement('th'));
    for (let p = 0; p < 10; p++) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = String(p);
      head.append(th);
    }
    table.append(caption, head);
    let max = 1;
    for (let t = 0; t < 10; t++) for (let p = 0; p < 10; p++) if (t !== p) max = Math.max(max, matrix[t * 10 + p]);
    for (let t = 0; t < 10; t++) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = String(t);
      tr.append(th);
      for (let p = 0; p < 10; p++) {
        const td = document.createElement('td');
        const n = matrix[t * 10 + p];
        td.textContent = String(n);
        if (t === p) td.className = 'diag';
        else if (n > 0) {
          td.className = 'off';
          // heavier red for the pairs it confuses most
          td.style.backgroundColor = `rgba(220, 38, 38, ${(0.12 + 0.6 * (n / max)).toFixed(3)})`;
        }
        tr.append(td);
      }
      table.append(tr);
    }
    this.confusion.replaceChildren(table);

    const items = mistakes.map(({ image, side, label, predicted }) => {
      const fig = document.createElement('figure');
      fig.className = 'miss';
      const c = document.createElement('canvas');
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `a ${label} classified as ${predicted}`);
      const f = new Float32Array(image.length);
      for (let i = 0; i < image.length; i++) f[i] = image[i] / 255;
      paintMap(c, f, side, side, { lo: 0, hi: 1, palette: 'ink' });
      const cap = document.createElement('figcaption');
      const pred = document.createElement('b');
      pred.textContent = String(predicted);
      const truth = document.createElement('span');
      truth.textContent = ` (${label})`;
      cap.append(pred, truth);
      fig.append(c, cap);
      return fig;
    });
    this.gallery.replaceChildren(...items);
  }

  reset() {
    this.hint.textContent = 'Train for an epoch to see which digits the network confuses.';
    this.confusion.replaceChildren();
    this.gallery.replaceChildren();
  }
}
