// Types of the LeNet-5 custom elements (web/widget/lenet-elements.js and lenet-widget.single.js).
import type { FeatureMaps, Network } from '../lenet.js';

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
 * <lenet-trainer preset data batch learning-rate seed size>: trains a fresh network in the page. Batch size,
 * learning rate and dropout default to the page's settings for the preset; the seed fixes the initial
 * weights and the order of the batches.
 */
export interface LeNetTrainerElement extends HTMLElement {
  readonly network: Network | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'lenet-pad': LeNetPadElement;
    'lenet-maps': LeNetMapsElement;
    'lenet-trainer': LeNetTrainerElement;
  }
  interface HTMLElementEventMap {
    'lenet-classify': CustomEvent<Classification | null>;
  }
}
