// The classification view: the predicted class (a digit, or a class of the visitor's own), one probability
// bar per class and the image the network saw. The page shows its classifications with it and so does
// <lenet-pad> (web/widget/pad.js), inside its Shadow DOM.
import { paintMap } from './images.js';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

// The most probable class (the first of equals).
export function bestDigit(probs) {
  let best = 0;
  for (let d = 1; d < probs.length; d++) if (probs[d] > probs[best]) best = d;
  return best;
}

export class ClassificationView {
  constructor({ digit, confidence, bars, preprocessed }) {
    this.digit = digit;
    this.confidence = confidence;
    this.bars = bars;
    this.preprocessed = preprocessed;
    this.names = [];
    this.rows = [];
    this.#rows(DIGITS);
    this.clear();
  }

  // One bar per class, built again when the network's classes change (names: the network's classes()).
  #rows(names) {
    if (names.length === this.names.length && names.every((n, i) => n === this.names[i])) return;
    this.names = names.slice();
    this.rows = names.map((name, d) => {
      const li = document.createElement('li');
      li.dataset.digit = String(d);
      li.dataset.name = name;
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = name;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      li.append(label, track, value);
      return { li, fill, value };
    });
    this.bars.replaceChildren(...this.rows.map((r) => r.li));
    // names longer than a character get a wider label column (the stylesheet's .bars.named)
    this.bars.classList.toggle('named', names.some((n) => [...n].length > 1));
  }

  // probs: Float32Array(classes); image: the network's input (side x side, 1 = ink); names: the classes.
  show(probs, image, side, names = DIGITS) {
    this.#rows(names);
    const best = bestDigit(probs);
    this.digit.textContent = names[best];
    this.confidence.textContent = `${(probs[best] * 100).toFixed(1)} % sure`;
    this.rows.forEach(({ li, fill, value }, d) => {
      const p = probs[d];
      li.dataset.p = String(p);
      li.classList.toggle('best', d === best);
      li.setAttribute('aria-label', `${names[d]}: ${(p * 100).toFixed(1)} percent`);
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      value.textContent = p >= 0.995 ? '100%' : p < 0.001 ? '0%' : `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
    });
    paintMap(this.preprocessed, image, side, side, { lo: 0, hi: 1, palette: 'ink' });
    this.preprocessed.classList.remove('blank');
  }

  clear(names = this.names) {
    this.#rows(names);
    this.digit.textContent = '';
    const digits = this.names.length === 10 && this.names.every((n, i) => n === DIGITS[i]);
    this.confidence.textContent = digits ? 'Draw a digit'
      : this.names.length <= 6 ? `Draw one of: ${this.names.join(', ')}` : `Draw one of your ${this.names.length} classes`;
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
