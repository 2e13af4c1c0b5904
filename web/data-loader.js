// Fetches the gzip'd MNIST subset, reporting download progress from the byte stream, and inflates it with
// DecompressionStream. Runs in the training worker and in <lenet-trainer> (web/widget/trainer.js).
import { parseSubset } from './dataset.js';

export const SUBSET_URL = 'data/mnist-subset.bin.gz';

// onProgress(loadedBytes, totalBytes | 0)
export async function loadSubset(url, onProgress = () => {}) {
  const res = await fetch(url);
  if (!res.ok) {
    throw new Error(`the MNIST training data (${url}) is not available: HTTP ${res.status}. ` +
      'Run `npm run build` to prepare it.');
  }
  const total = Number(res.headers.get('Content-Length')) || 0;
  let loaded = 0;
  const counted = res.body.pipeThrough(
    new TransformStream({
      transform(chunk, ctl) {
        loaded += chunk.byteLength;
        onProgress(loaded, total);
        ctl.enqueue(chunk);
      },
    }),
  );
  let bytes;
  try {
    bytes = new Uint8Array(await new Response(counted.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  } catch (e) {
    throw new Error(`the MNIST training data (${url}) is damaged: ${e.message}`);
  }
  return parseSubset(bytes);
}
