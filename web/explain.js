// "Why" and "what would fool it" on the page: the saliency of the current drawing for the digit the network
// predicts, and a search for the smallest change of the drawing (by the network's own input gradients) that
// makes it say another digit. Both work on the image the network saw (predictDrawing's input).
import { paintMap } from './images.js';
import { FOOL_OPTIONS, best, describeFooling, difference, explainDecision, paintSigned } from './saliency.js';

function blank(canvas) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

export class SaliencyView {
  // canvas: the saliency canvas; caption: its caption; legend: { digit, versus } elements whose text the
  // legend takes (the digit explained; " against p(3)" when explained against the runner-up).
  constructor({ canvas, caption, legend }) {
    this.canvas = canvas;
    this.caption = caption;
    this.legend = legend;
    this.idle = caption.textContent;
    this.clear();
  }

  // Explains the decision for the network's input `input` (side x side) and paints it over the input.
  // scoring: explainDecision's { scores, lowerIsBetter }; names: what the classes are called (a class model's
  // own names; the digits by default). Returns explainDecision's result.
  show(net, input, side, probabilities, scoring, names = null) {
    const why = explainDecision(net, input, probabilities, scoring);
    const { gradient } = why;
    // Indices stay in the data-* hooks; the words use the classes' names.
    const digit = names?.[why.digit] ?? why.digit;
    const versus = why.versus === null ? null : names?.[why.versus] ?? why.versus;
    paintSigned(this.canvas, gradient, input, side);
    if (versus === null) {
      this.caption.textContent = `Why ${digit}:`;
      this.canvas.setAttribute('aria-label', `Why ${digit}: red where more ink would make ${digit} more likely, blue where it would make it less likely`);
    } else {
      this.caption.textContent = `Why ${digit}, not ${versus} (its runner-up):`;
      this.canvas.setAttribute('aria-label', `Why ${digit} and not ${versus}: red where more ink would favour ${digit}, blue where it would favour ${versus}`);
    }
    this.legend.digit.textContent = String(digit);
    this.legend.versus.textContent = versus === null ? '' : ` against p(${versus})`;
    this.canvas.classList.remove('blank');
    this.canvas.dataset.digit = String(why.digit);
    if (why.versus === null) delete this.canvas.dataset.versus;
    else this.canvas.dataset.versus = String(why.versus);
    return why;
  }

  clear() {
    blank(this.canvas);
    this.canvas.classList.add('blank');
    delete this.canvas.dataset.digit;
    delete this.canvas.dataset.versus;
    this.caption.textContent = this.idle;
    this.canvas.setAttribute('aria-label', 'Why: empty until you draw a digit');
    this.legend.digit.textContent = 'the digit';
    this.legend.versus.textContent = '';
  }
}

// "Fool it": a target digit, a button, the changed drawing, the change, and what the network says now.
// getSubject() returns { net, input, side, probabilities } for the drawing on screen, or null; report(message)
// shows an error; onState() (optional) hears of every change of result.dataset (state, target, predicted, p);
// options() (optional) gives net.adversarial's options, FOOL_OPTIONS by default.
export class FoolPanel {
  constructor({ target, run, image, change, result }, { getSubject, report, onState = () => {}, options = () => FOOL_OPTIONS }) {
    Object.assign(this, { target, run, image, change, result, getSubject, report, onState, options });
    this.names = [];
    this.setClasses(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    run.addEventListener('click', () => this.#run());
    this.reset();
  }

  // The classes the targets are chosen from (net.classes()): the digits, or a class model's own names.
  setClasses(names) {
    if (names.length === this.names.length && names.every((n, i) => n === this.names[i])) return;
    this.names = [...names];
    const keep = this.target.value;
    this.target.replaceChildren(...names.map((n, i) => new Option(n, String(i))));
    this.target.value = Number(keep) < names.length ? keep : String(Math.min(8, names.length - 1));
  }

  // The drawing or the model changed: the last search no longer applies. (Called on every prediction while
  // drawing, so it leaves a panel already at rest alone: its live region stays quiet.)
  reset() {
    if (this.result.dataset.state === 'idle') return;
    blank(this.image);
    blank(this.change);
    this.image.setAttribute('aria-label', 'The changed drawing: none yet');
    this.change.setAttribute('aria-label', 'The change: none yet');
    this.#say('idle', 'Pick a digit and press “Fool it”: the network’s own gradients change your drawing, ' +
      'a little at a time, until it says that digit.');
  }

  #say(state, text, extra = {}) {
    const r = this.result;
    r.textContent = text;
    r.dataset.state = state;
    for (const key of ['target', 'predicted', 'p', 'steps']) {
      if (key in extra) r.dataset[key] = String(extra[key]);
      else delete r.dataset[key];
    }
    this.onState();
  }

  #run() {
    const subject = this.getSubject();
    const target = Number(this.target.value);
    if (!subject) {
      this.#empty();
      return;
    }
    const { probabilities } = subject;
    if (best(probabilities) === target) {
      this.reset();
      this.#say('already', `It already says ${this.names[target]} (${(probabilities[target] * 100).toFixed(1)} %): pick another one.`,
        { target, predicted: target, p: probabilities[target], steps: 0 });
      return;
    }
    this.run.disabled = true;
    this.#say('running', `Looking for a change that makes it say ${this.names[target]}…`, { target });
    // One frame for the message to show: the search runs on this thread.
    requestAnimationFrame(() => setTimeout(() => this.#search(target), 0));
  }

  #empty() {
    this.reset();
    this.#say('empty', 'Draw a digit first: there is nothing to change yet.');
  }

  // The subject is read again: the model may have changed while the message was painted.
  #search(target) {
    try {
      const subject = this.getSubject();
      if (!subject) {
        this.#empty();
        return;
      }
      const { net, input, side } = subject;
      const r = net.adversarial(input, target, this.options());
      const { change, largest } = difference(r.image, input);
      paintMap(this.image, r.image, side, side, { lo: 0, hi: 1, palette: 'ink' });
      paintSigned(this.change, change, input, side);
      const predicted = best(r.probabilities);
      this.image.setAttribute('aria-label', `The changed drawing, which the network reads as ${this.names[predicted]}`);
      this.change.setAttribute('aria-label',
        `The change: red where ink was added, blue where it was taken away, at most ${Math.round(largest * 100)} % of full ink`);
      this.#say(r.success ? 'fooled' : 'not-fooled', describeFooling(r, target, largest, this.names),
        { target, predicted, p: r.probabilities[predicted], steps: r.steps });
    } catch (e) {
      this.reset();
      this.report(`The search could not run: ${e.message}`);
    } finally {
      this.run.disabled = false;
    }
  }
}
