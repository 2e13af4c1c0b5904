// The classification view: the predicted digit, ten probability bars and the image the network saw. The
// page shows its classifications with it and so does <lenet-pad> (web/widget/pad.js), inside its Shadow DOM.
import { paintMap } from './images.js';

// The most probable digit (the first of equals).
export function bestDigit(probs) {
  let best = 0;
  for (let d = 1; d < 10; d++) if (probs[d] > probs[best]) best = d;
  return best;
}

export class ClassificationView {
  constructor({ digit, confidence, bars, preprocessed }) {
    this.digit = digit;
    this.confidence = confidence;
    this.preprocessed = preprocessed;
    this.rows = [];
    for (let d = 0; d < 10; d++) {
      const li = document.createElement('li');
      li.dataset.digit = String(d);
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = String(d);
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      li.append(label, track, value);
      bars.append(li);
      this.rows.push({ li, fill, value });
    }
    this.clear();
  }

  // probs: Float32Array(10); image: the network's input (side x side, 1 = ink).
  show(probs, image, side) {
    const best = bestDigit(probs);
    this.digit.textContent = String(best);
    this.confidence.textContent = `${(probs[best] * 100).toFixed(1)} % sure`;
    this.rows.forEach(({ li, fill, value }, d) => {
      const p = probs[d];
      li.dataset.p = String(p);
      li.classList.toggle('best', d === best);
      li.setAttribute('aria-label', `${d}: ${(p * 100).toFixed(1)} percent`);
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      value.textContent = p >= 0.995 ? '100%' : p < 0.001 ? '0%' : `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
    });
    paintMap(this.preprocessed, image, side, side, { lo: 0, hi: 1, palette: 'ink' });
    this.preprocessed.classList.remove('blank');
  }

  clear() {
    this.digit.textContent = '';
    this.confidence.textContent = 'Draw a digit';
    for (const { li, fill, value } of this.rows) {
      delete li.dataset.p;
      li.classList.remove('best');
      li.removeAttribute('aria-label');
      fill.style.width = '0%';
      value.textContent = '';
    }
    const ctx = this.preprocessed.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.preprocessed.width, this.preprocessed.height);
    this.preprocessed.classList.add('blank');
  }
}
