// Types of the LeNet-5 custom elements (web/widget/lenet-elements.js and lenet-widget.single.js).
import type { FeatureMaps } from '../lenet.js';

export interface Classification {
  digit: number;
  probabilities: Float32Array;
  /** The network's input, side x side, 0..1. */
  image: Float32Array;
  side: 28 | 32;
  maps: FeatureMaps;
}

/** <lenet-pad model show layer size preset>: draw a digit and see it classified. */
export interface LeNetPadElement extends HTMLElement {
  readonly result: Classification | null;
  /** The drawing (web/draw.js): strokes as polylines in canvas pixels (280x280). */
  readonly pad: EventTarget & {
    readonly empty: boolean;
    strokes: Array<Array<[number, number]>>;
    clear(): void;
    undo(): void;
    imageData(): ImageData;
  };
}

/** <lenet-maps for layer size>: one layer's feature maps for the drawing on the pad with id `for`. */
export interface LeNetMapsElement extends HTMLElement {}

/**
 * <lenet-trainer preset data batch learning-rate seed size>: trains a fresh network in a Web Worker (the
 * page's training worker). Batch size, learning rate and dropout default to the page's settings for the
 * preset; the seed fixes the initial weights and the order of the batches.
 */
export interface LeNetTrainerElement extends HTMLElement {
  /** The trained network's latest model file (saved every second and at each pass's end; lenet.load reads it), or null. */
  readonly model: Uint8Array | null;
}

/**
 * <lenet-explain for size>: why the pad with id `for` says what it says: where more ink would raise (red) or
 * lower (blue) the probability of the digit it predicts, from the network's own gradients. data-state
 * (idle, shown, error), data-digit, data-versus (the runner-up, when the network is sure to float precision
 * and the digit is weighed against it).
 */
export interface LeNetExplainElement extends HTMLElement {
  /** The field shown, inputSize x inputSize: d log p(digit) / d input, or with data-versus minus d log p(versus) / d input; null before a drawing. */
  readonly gradient: Float32Array | null;
}

/**
 * <lenet-fool for target size max-steps>: "Fool it": the smallest change of the pad's drawing, by gradient steps on
 * the input (net.adversarial; at most max-steps of them, 1000 by default), that makes the network say the
 * chosen digit. data-state (idle, empty, already,
 * running, fooled, not-fooled), data-target, data-prediction, data-p (the probability of data-prediction).
 */
export interface LeNetFoolElement extends HTMLElement {}

/**
 * <lenet-teach classes set size>: teach the network classes of your own (the names in `classes`, comma-
 * separated, or the classes and drawings of the class-set file at `set`): draw examples on its pad, Train
 * (in a worker), then it classifies drawings by those names. data-state (loading, ready, training, trained,
 * error), data-examples, data-prediction, data-classified, data-trainings.
 */
export interface LeNetTeachElement extends HTMLElement {
  /** The classes and their drawings (28x28 bytes, 255 = ink), a copy. */
  readonly classes: Array<{ name: string; examples: Uint8Array[] }>;
}

declare global {
  interface HTMLElementTagNameMap {
    'lenet-pad': LeNetPadElement;
    'lenet-maps': LeNetMapsElement;
    'lenet-trainer': LeNetTrainerElement;
    'lenet-explain': LeNetExplainElement;
    'lenet-fool': LeNetFoolElement;
    'lenet-teach': LeNetTeachElement;
  }
  interface HTMLElementEventMap {
    'lenet-classify': CustomEvent<Classification | null>;
  }
}
