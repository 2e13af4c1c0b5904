// lenet.d.ts is what a TypeScript user sees: each declared class must list exactly the public methods and
// properties the JavaScript class has, so a call cannot be declared on the wrong class or go undeclared.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { root } from './helpers.mjs';

const dts = fs.readFileSync(path.join(root, 'web/lenet.d.ts'), 'utf8');

// The member names declared in `export declare class NAME { ... }` (methods and readonly properties).
function declared(name) {
  const start = dts.indexOf(`export declare class ${name} {`);
  assert.ok(start >= 0, `lenet.d.ts declares no class ${name}`);
  const body = dts.slice(start, dts.indexOf('\n}', start));
  const names = new Set();
  for (const line of body.split('\n').slice(1)) {
    const m = /^ {2}(?:readonly )?([A-Za-z0-9_]+)\??[(:]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

// The public members of an object: its class's methods and getters, and its own fields (private # names
// are neither).
function implemented(object) {
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(object)).filter((n) => n !== 'constructor');
  return new Set([...names, ...Object.keys(object)]);
}

const lenet = await loadLeNet();
const net = lenet.create({ preset: 'modern', batchSize: 2 });
const session = net.startTraining({ images: new Uint8Array(2 * 28 * 28), labels: new Uint8Array([0, 1]) });

for (const [name, object] of [['LeNet', lenet], ['Network', net], ['TrainingSession', session]]) {
  test(`lenet.d.ts declares exactly ${name}'s public members`, () => {
    assert.equal(object.constructor.name, name);
    const d = declared(name), js = implemented(object);
    const missing = [...js].filter((n) => !d.has(n)).sort();
    const extra = [...d].filter((n) => !js.has(n)).sort();
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] },
      `${name}: in lenet.js but not declared: ${missing.join(', ') || '-'}; declared but not in lenet.js: ${extra.join(', ') || '-'}`);
  });
}
