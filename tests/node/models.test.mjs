// The shipped models (models/*.bin), loaded through the JavaScript API, reach the test accuracy that
// models/models.json documents (and models/README.md states) on all 10,000 MNIST test images.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { mnist, pad32, root } from './helpers.mjs';

const documented = JSON.parse(fs.readFileSync(path.join(root, 'models/models.json'), 'utf8'));
const testSet = mnist('t10k', 10000);

for (const [name, entry] of Object.entries(documented)) {
  test(`shipped ${name} model reaches its documented ${(entry.testAccuracy * 100).toFixed(2)} % in WebAssembly`, async () => {
    const file = path.join(root, 'models', `${name}.bin`);
    assert.ok(fs.existsSync(file), `${file} is missing`);
    for (const simd of [true, false]) {
      const lenet = await loadLeNet({ simd });
      const net = lenet.load(new Uint8Array(fs.readFileSync(file)));
      assert.equal(net.config().preset, name);
      const images = net.inputSize === 32 ? pad32(testSet.images) : testSet.images;
      const { accuracy, count } = net.evaluate(images, testSet.labels);
      assert.equal(count, 10000);
      // The native tool measured the documented figure; WebAssembly may round one borderline digit the
      // other way, hence one image of slack and no more.
      assert.ok(accuracy >= entry.testAccuracy - 1e-4, `${lenet.build}: ${accuracy} < documented ${entry.testAccuracy}`);
      net.dispose();
    }
  });
}
