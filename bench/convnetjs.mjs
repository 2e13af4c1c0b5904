// ConvNetJS 0.3.0 (the npm release) running the benchmark's LeNet-5. It trains one image at a time and
// applies the accumulated gradient every batch_size images, so a "batch" is 128 forward+backward passes and
// one update. Two differences it cannot avoid, stated in the report: it has no average pooling (max pooling
// for both networks) and no Adam in 0.3.0 (adadelta, the other method that keeps two running averages per
// weight; the update runs once per 128 images and costs well under 1 % of a batch either way).
import { createRequire } from 'node:module';

const convnetjs = createRequire(import.meta.url)('convnetjs');

export const version = createRequire(import.meta.url)('convnetjs/package.json').version;

export function createConvNetJsLeNet(preset, data) {
  const act = preset === 'modern' ? 'relu' : 'sigmoid';
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: 'input', out_sx: 32, out_sy: 32, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 0, activation: act }, // C1 6@28x28
    { type: 'pool', sx: 2, stride: 2 }, // S2 6@14x14
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: act }, // C3 16@10x10
    { type: 'pool', sx: 2, stride: 2 }, // S4 16@5x5
    { type: 'fc', num_neurons: 120, activation: act }, // C5
    { type: 'fc', num_neurons: 84, activation: act, ...(preset === 'modern' ? { drop_prob: 0.5 } : {}) }, // F6
    { type: 'softmax', num_classes: 10 },
  ]);
  const trainer = new convnetjs.Trainer(net, { method: 'adadelta', batch_size: 128, l2_decay: 0 });
  const px = 32 * 32;
  // ConvNetJS's input is a Vol (Float64Array); making one per image is how it is fed.
  const vol = (images, i) => {
    const v = new convnetjs.Vol(32, 32, 1, 0.0);
    v.w.set(images.subarray(i * px, (i + 1) * px));
    return v;
  };
  return {
    trainBatch(b, batch) {
      let loss = 0;
      for (let i = b * batch; i < (b + 1) * batch; i++) loss += trainer.train(vol(data.float32, i), data.labels[i]).loss;
      return loss / batch;
    },
    predict(images, n) {
      const out = new Float32Array(n * 10);
      for (let i = 0; i < n; i++) out.set(net.forward(vol(images, i), false).w, i * 10);
      return out;
    },
    async activate() {},
    dispose() {},
  };
}
