// Types of web/lenet.js, the JavaScript API of the LeNet-5 WebAssembly module.

export type PresetName = 'modern' | 'classic' | 'lecun1998';
export type LayerName = 'C1' | 'S2' | 'C3' | 'S4' | 'C5' | 'F6' | 'OUTPUT';
export type Images = Float32Array | Uint8Array | Uint8ClampedArray;

export interface NetworkConfig {
  preset: PresetName | 'custom';
  activation: 'sigmoid' | 'tanh' | 'scaled_tanh' | 'relu';
  pooling: 'avg' | 'max' | 'subsample';
  output: 'softmax' | 'mse' | 'rbf';
  optimizer: 'sgd' | 'momentum' | 'adam';
  init: 'lecun' | 'xavier' | 'he';
  c3Table: boolean;
  learningRate: number;
  batchSize: number;
  dropout: number;
  inputSize: 28 | 32;
  background: number;
  ink: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  seed: number;
  /** Output classes (2..64); the RBF output keeps its ten digit codes. */
  classes: number;
}

/** One row of the configuration table (the engine's one description of every field). */
export interface ConfigField {
  key: Exclude<keyof NetworkConfig, 'preset'>;
  /** The native tool's flag: --flag VALUE. */
  flag: string;
  type: 'choice' | 'flag' | 'integer' | 'real';
  /** The allowed values, as error messages say them. */
  rule: string;
  help: string;
  /** choice: the names allowed. */
  choices: string[];
  /** integer: if not empty, the only values allowed. */
  values: number[];
  /** Whether the field is part of what makes a preset (the learning rate and the seed are not). */
  inRecipe: boolean;
  defaults: Record<PresetName, string | number | boolean>;
}

export type CreateOptions = Omit<Partial<NetworkConfig>, 'classes'> & {
  preset?: PresetName;
  /** The output classes by name (2..64 distinct, non-empty, at most 32 bytes each), or just how many. */
  classes?: string[] | number;
};

export interface LoadOptions {
  /** 'auto' (default) picks the SIMD build where WebAssembly SIMD128 is supported. */
  simd?: 'auto' | boolean;
  /**
   * false (default): the single-threaded build. 'auto': the threaded build (lenet-mt) where
   * canUseThreads(), else the single-threaded one. true: the threaded build or an Error.
   */
  threads?: 'auto' | boolean;
  /** Where lenet-simd.mjs / lenet-nosimd.mjs and their .wasm live (default: beside lenet.js). */
  baseUrl?: string | URL;
  /** Where the .wasm file is, if not beside its .mjs (relative to baseUrl). */
  wasmUrl?: string | URL;
  /** The .wasm bytes, for hosts that cannot serve the file (and in Node, read automatically). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** An Emscripten module factory to use instead of importing one. */
  factory?: (moduleArgs: object) => Promise<unknown>;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export interface TensorView {
  shape: number[];
  data: Float32Array;
}

export interface FeatureMaps {
  C1: TensorView;
  S2: TensorView;
  C3: TensorView;
  S4: TensorView;
  C5: TensorView;
  F6: TensorView;
  output: TensorView;
}

export interface TrainStats { loss: number; correct: number; count: number }
export interface EvalStats { accuracy: number; loss: number; correct: number; count: number }

export declare function hasSimd(): boolean;
/** SIMD128, SharedArrayBuffer and a cross-origin isolated browser page or worker. */
export declare function canUseThreads(): boolean;
export declare function loadLeNet(options?: LoadOptions): Promise<LeNet>;

export declare class LeNet {
  readonly build: 'simd' | 'nosimd';
  /** The most threads Network.setThreads() accepts: 1 unless the threaded build is loaded. */
  readonly maxThreads: number;
  presets(): Record<PresetName, NetworkConfig>;
  /** LeNet-5's C3 connection table (Table I): 16 rows (C3 maps) x 6 columns (S2 maps), 1 = connected. */
  c3ConnectionTable(): Uint8Array;
  /** The configuration table: every field with its flag, type, rule and preset defaults. */
  configFields(): ConfigField[];
  create(options?: CreateOptions): Network;
  /** Throws an Error saying what is wrong with a bad file. */
  load(bytes: Uint8Array | ArrayBuffer): Network;
  /** null for an empty drawing. */
  preprocess(image: ImageData | { data: Uint8Array | Uint8ClampedArray; width: number; height: number }, inputSize?: 28 | 32): Float32Array | null;
  heapBytes(): number;
  mallocBytes(): number;
}

export interface AdversarialResult {
  /** The perturbed image, at the given image's side, values 0..1. */
  image: Float32Array;
  probabilities: Float32Array;
  /** Gradient steps taken. */
  steps: number;
  /** false: not classified as the target within maxSteps. */
  success: boolean;
}

export interface LabelledImages {
  /** N images of 28x28 or 32x32 bytes (0..255). */
  images: Uint8Array | Uint8ClampedArray;
  labels: Uint8Array;
}

export interface TrainingOptions {
  heldOut?: LabelledImages;
  epochs?: number;
  /** The order of the samples and the augmentation. */
  seed?: number;
  shuffle?: boolean;
  /** Drop each epoch's last partial batch. */
  dropLast?: boolean;
  /**
   * A random warp of every sample: true for shifts up to 2 px, rotations up to 10 degrees and scaling up to
   * 10 %, or the ranges (stroke: a stroke-width change of up to that many pixels, 0..1).
   */
  augment?: boolean | { shift?: number; degrees?: number; scale?: number; stroke?: number };
  /** 'linear': down to 10 % of the rate by the end; 'epoch': times `decay` after each epoch. */
  schedule?: 'constant' | 'linear' | 'epoch';
  decay?: number;
  /** The first `warmup` steps ramp the rate up linearly. */
  warmup?: number;
  /** Quick held-out evaluations within each epoch (an epoch's end always evaluates the whole set). */
  evalsPerEpoch?: number;
  /** Images of a quick evaluation (0: all). */
  evalLimit?: number;
}

export interface HeldOutStats extends EvalStats {
  /** The whole held-out set (else its first evalLimit images). */
  full: boolean;
  /** After a full evaluation: each held-out image's predicted class. */
  predicted?: Uint8Array;
}

export interface SessionReport {
  steps: number;
  epoch: number;
  done: number;
  perEpoch: number;
  fraction: number;
  loss: number;
  accuracy: number;
  correct: number;
  samples: number;
  learningRate: number;
  epochEnd: boolean;
  finished: boolean;
  heldOut?: HeldOutStats;
}

export declare class TrainingSession {
  readonly finished: boolean;
  /** Throws an Error named 'DivergenceError' with the weights restored; the session stays at that batch. */
  run(steps?: number): SessionReport;
  evaluate(options?: { limit?: number; predictions?: boolean }): EvalStats & { predicted?: Uint8Array };
  setLearningRate(rate: number): void;
  /**
   * d log p(digit) / d input, by the engine's backward pass: Float32Array(inputSize^2), positive where more
   * ink would raise p(digit). image: 28x28 or 32x32, values 0..1 (bytes count as value/255).
   */
  inputGradient(image: Images, digit: number): Float32Array;
  /** An image close to `image` that is classified as `target`, by gradient steps on the input. */
  adversarial(image: Images, target: number, options?: { maxSteps?: number; stepSize?: number }): AdversarialResult;
  /** What each output class is called ('0'..'9' unless made with names). */
  classes(): string[];
  /** A new network for new classes: this network's C1 to F6, a fresh output layer. */
  withClasses(names: string[], options?: { freeze?: boolean; seed?: number; learningRate?: number }): Network;
  /** The one training loop: shuffling, batching, augmentation, schedule, held-out evaluation. */
  startTraining(train: LabelledImages, options?: TrainingOptions): TrainingSession;
  dispose(): void;
}

export declare class Network {
  readonly inputSize: 28 | 32;
  readonly steps: number;
  readonly parameterCount: number;
  readonly disposed: boolean;
  /** Throws an Error named 'DivergenceError' (weights restored) when a step diverges. */
  /**
   * Images are N square images of 28x28 or 32x32 values, whatever the network's inputSize: the network
   * places a 28x28 image in its 32x32 field itself (2 px border). Bytes count as value/255.
   */
  trainBatch(images: Images, labels: Uint8Array): TrainStats;
  evaluate(images: Images, labels: Uint8Array): EvalStats;
  predict(image: Images): Float32Array;
  predictBatch(images: Images): Float32Array;
  /** preprocess() at this network's input size, then predict(), in one call; null when nothing is drawn. */
  predictDrawing(image: ImageData | { data: Uint8Array | Uint8ClampedArray; width: number; height: number }):
    { probabilities: Float32Array; input: Float32Array } | null;
  featureMaps(): FeatureMaps;
  weights(layer: LayerName): TensorView;
  biases(layer: LayerName): TensorView;
  freeze(layers: LayerName | LayerName[]): void;
  unfreeze(layers: LayerName | LayerName[]): void;
  frozen(): LayerName[];
  setLearningRate(lr: number): void;
  /** Data-parallel training (and evaluate/predictBatch) on n threads (1..LeNet.maxThreads). */
  setThreads(n: number): void;
  readonly threads: number;
  /** float16: parameters stored as half precision (half the bytes). */
  save(options?: { float16?: boolean }): Uint8Array;
  config(): NetworkConfig;
  dispose(): void;
}
