// TF.js 4.22 (its ops and optimizer, no tfjs-layers model) running the benchmark's LeNet-5 on its wasm backend (XNNPACK,
// SIMD build, one thread) and its cpu backend (plain JavaScript). The .wasm files come from node_modules:
// nothing is fetched.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// The union package: tfjs-core and the cpu backend, plus the gradient registrations (tfjs-core's own
// Node build has none; its register_all_gradients is ESM that Node cannot resolve).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
const CLASSES = 10;

// TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel, so training a convolution on it throws
// ("'Conv2DBackpropFilter' not yet implemented"). This one is built from the wasm backend's own kernels:
//   dW[kh,kw,c,oc] = sum over n,oh,ow of x[n, oh*s+kh, ow*s+kw, c] * dy[n,oh,ow,oc]
// is a 'valid' convolution of x with the channels and the batch swapped (x' [C,H,W,N]) by dy as the filter
// (dy' [OH,OW,N,OC], dilated by the stride), which gives [C,KH,KW,OC]; so Transpose, Conv2D (XNNPACK),
// Transpose. Measured here on LeNet's two shapes: 3x (C1) and 14x (C3) faster than relabelling the
// backend's Conv3DBackpropFilterV2 to depth 1, and 20x faster than Slice+Concat im2col and BatchMatMul.
function registerConv2dBackpropFilterForWasm() {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return 'shipped by tfjs-backend-wasm';
  const kernel = (name) => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`tfjs-backend-wasm has no ${name} kernel to build Conv2DBackpropFilter from`);
    return k.kernelFunc;
  };
  const [transpose, conv2d] = [kernel('Transpose'), kernel('Conv2D')];
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
      if (dataFormat !== 'NHWC' || dimRoundingMode != null || pad !== 'valid') {
        throw new Error('bench Conv2DBackpropFilter (wasm): only NHWC with padding "valid"');
      }
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const r = conv2d({ inputs: { x: xT, filter: dyT }, backend, attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] } });
      const dw = transpose({ inputs: { x: r }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xT, dyT, r]) backend.disposeData(t.dataId);
      // (H - KH) not a multiple of the stride leaves rows the forward pass never read: those are cut.
      if (dw.shape.some((d, i) => d !== filterShape[i])) {
        backend.disposeData(dw.dataId);
        throw new Error(`bench Conv2DBackpropFilter (wasm): shape ${dw.shape} for filter ${filterShape} is not supported`);
      }
      return dw;
    },
  });
  return 'supplied: Transpose + Conv2D (XNNPACK) + Transpose, from the wasm backend\'s own kernels';
}

// The supplied kernel against the cpu backend's Conv2DBackpropFilter on the path training takes
// (d/dF of sum(conv2d(x, F) * dy)), at stride 1 and 2: what is timed must be the right computation.
async function checkSuppliedKernel() {
  let worst = 0;
  for (const [side, stride, out] of [[12, 1, 8], [13, 2, 5]]) {
    const x = Float32Array.from({ length: 3 * side * side * 4 }, (_, i) => Math.sin(i * 0.37));
    const dy = Float32Array.from({ length: 3 * out * out * 5 }, (_, i) => Math.cos(i * 0.11));
    const run = async (backend) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const xt = tf.tensor4d(x, [3, side, side, 4]);
        const dyt = tf.tensor4d(dy, [3, out, out, 5]);
        return tf.grad((f) => tf.sum(tf.mul(tf.conv2d(xt, f, stride, 'valid'), dyt)))(tf.zeros([5, 5, 4, 5])).dataSync();
      });
    };
    const want = await run('cpu');
    const got = await run('wasm');
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  }
  if (!(worst < 1e-4)) throw new Error(`supplied wasm Conv2DBackpropFilter disagrees with the cpu backend (worst relative error ${worst})`);
  return worst;
}

/** Initialises both backends once; returns facts for the report. */
export async function initTf() {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
    if (!fs.existsSync(path.join(dist, f))) throw new Error(`missing ${f} in ${dist}`);
  }
  // One thread, like every other side: the threaded build would also need workers.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(`${dist}${path.sep}`);
  const conv2dBackpropFilter = registerConv2dBackpropFilterForWasm();
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialise');
  const kernelCheckError = await checkSuppliedKernel();
  return { version: tf.version_core, wasmSimd: simd, wasmThreads: 1, conv2dBackpropFilter, kernelCheckError };
}

const heUniform = (shape, fanIn) => tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn), 'float32', 1));

/**
 * LeNet-5 on one TF.js backend: 32x32x1 -> C1 6@5x5 -> pool -> C3 16@5x5 -> pool -> C5 120 -> F6 84 -> 10,
 * softmax cross-entropy, Adam. classic: sigmoid + average pooling; modern: ReLU + max pooling + dropout 0.5
 * before the output. Bias and ReLU are fused into the convolutions and matmuls where TF.js can (its fused
 * gradients cover linear and ReLU, not sigmoid).
 */
export async function createTfLeNet(backend, preset, data) {
  await tf.setBackend(backend);
  const modern = preset === 'modern';
  const act = modern ? 'relu' : 'linear';
  const pool = modern ? tf.maxPool : tf.avgPool;
  const after = modern ? (t) => t : tf.sigmoid;
  const w = {
    C1: heUniform([5, 5, 1, 6], 25), C1b: tf.variable(tf.zeros([6])),
    C3: heUniform([5, 5, 6, 16], 150), C3b: tf.variable(tf.zeros([16])),
    C5: heUniform([400, 120], 400), C5b: tf.variable(tf.zeros([120])),
    F6: heUniform([120, 84], 120), F6b: tf.variable(tf.zeros([84])),
    OUT: heUniform([84, CLASSES], 84), OUTb: tf.variable(tf.zeros([CLASSES])),
  };
  const vars = Object.values(w);
  const optimizer = tf.train.adam(modern ? 0.001 : 0.01);

  const logits = (x, training) => {
    let h = after(tf.fused.conv2d({ x, filter: w.C1, strides: 1, pad: 'valid', bias: w.C1b, activation: act }));
    h = pool(h, 2, 2, 'valid');
    h = after(tf.fused.conv2d({ x: h, filter: w.C3, strides: 1, pad: 'valid', bias: w.C3b, activation: act }));
    h = tf.reshape(pool(h, 2, 2, 'valid'), [-1, 400]);
    h = after(tf.fused.matMul({ a: h, b: w.C5, bias: w.C5b, activation: act }));
    h = after(tf.fused.matMul({ a: h, b: w.F6, bias: w.F6b, activation: act }));
    if (modern && training) h = tf.dropout(h, 0.5);
    return tf.fused.matMul({ a: h, b: w.OUT, bias: w.OUTb });
  };

  const px = 32 * 32;
  return {
    backend,
    /** One Adam step on batch b of the data (images uploaded as every step would). */
    trainBatch(b, batch) {
      const x = tf.tensor4d(data.float32.subarray(b * batch * px, (b + 1) * batch * px), [batch, 32, 32, 1]);
      const y = tf.tensor2d(data.oneHot.subarray(b * batch * CLASSES, (b + 1) * batch * CLASSES), [batch, CLASSES]);
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(x, true)), true, vars);
      const value = loss.dataSync()[0];
      tf.dispose([x, y, loss]);
      return value;
    },
    /** Class probabilities of n images (32x32 floats). */
    predict(images, n) {
      return tf.tidy(() => tf.softmax(logits(tf.tensor4d(images, [n, 32, 32, 1]), false)).dataSync());
    },
    async activate() { await tf.setBackend(backend); },
    dispose() {
      tf.dispose(vars);
      optimizer.dispose();
    },
  };
}

export { tf };
