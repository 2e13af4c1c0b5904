// The configuration table is the one description of every field: the JavaScript options, net.config(), the
// model file, the native tool's JSON and flags, and lenet.d.ts must all agree with it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { loadLeNet } from '../../web/lenet.js';
import { root } from './helpers.mjs';

const lenet = await loadLeNet();
const fields = lenet.configFields();
const cli = path.join(root, 'build/native/lenet');

// A value of each field that no preset uses, allowed by its rule.
function unusual(f) {
  const used = new Set(Object.values(f.defaults));
  if (f.type === 'choice') return f.choices.find((c) => !used.has(c)) ?? f.choices[0];
  if (f.type === 'flag') return true;
  if (f.values.length) return f.values.find((v) => !used.has(v)) ?? f.values[0];
  const candidates = { learningRate: 0.0123, batchSize: 17, dropout: 0.125, background: 0.25, ink: 0.75,
    momentum: 0.5, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.0005, seed: 4000000000, classes: 12 };
  assert.ok(f.key in candidates, `the test needs an unusual value for the new field ${f.key}`);
  return candidates[f.key];
}

test('lenet.d.ts declares exactly the fields of the table, with matching types', () => {
  const dts = fs.readFileSync(path.join(root, 'web/lenet.d.ts'), 'utf8');
  const body = dts.match(/export interface NetworkConfig \{([^}]*)\}/)[1];
  const declared = Object.fromEntries([...body.matchAll(/^\s*(\w+): ([^;]+);/gm)].map((m) => [m[1], m[2].trim()]));
  assert.deepEqual(Object.keys(declared).sort(), ['preset', ...fields.map((f) => f.key)].sort());
  for (const f of fields) {
    const type = declared[f.key];
    if (f.type === 'choice') assert.equal(type, f.choices.map((c) => `'${c}'`).join(' | '), f.key);
    else if (f.type === 'flag') assert.equal(type, 'boolean', f.key);
    else if (f.values.length) assert.equal(type, f.values.join(' | '), f.key);
    else assert.equal(type, 'number', f.key);
  }
});

test('every field reaches JavaScript and the native tool, and survives create -> config -> save -> load -> lenet info', () => {
  const options = { preset: 'classic' };
  for (const f of fields) options[f.key] = unusual(f);
  options.ink = options.background + 1; // the one rule between fields: distinct levels
  const net = lenet.create(options);
  const config = net.config();
  for (const f of fields) assert.equal(config[f.key], options[f.key], f.key);
  assert.equal(config.preset, 'custom');

  const loaded = lenet.load(net.save());
  assert.deepEqual(loaded.config(), config);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-config-'));
  const file = path.join(dir, 'custom.bin');
  fs.writeFileSync(file, loaded.save());
  const info = JSON.parse(execFileSync(cli, ['info', '--model', file, '--json'], { encoding: 'utf8' }));
  assert.deepEqual(info.config, config);

  // The same configuration from the command line's flags, one per field.
  const args = ['train', '--preset', 'classic', '--epochs', '1', '--train-limit', '17', '--test-limit', '1',
    '--out', path.join(dir, 'flags.bin'), '--json'];
  for (const f of fields) args.push(`--${f.flag}`, String(options[f.key]));
  const trained = JSON.parse(execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.deepEqual(trained.config, config);
  net.dispose();
  loaded.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('presets come from the table', () => {
  const presets = lenet.presets();
  for (const [name, config] of Object.entries(presets)) {
    assert.equal(config.preset, name);
    for (const f of fields) assert.equal(config[f.key], f.defaults[name], `${name}.${f.key}`);
  }
});

test('each field refuses a wrong type and a value outside its rule, naming the field', () => {
  const outside = { learningRate: -1, batchSize: 0, dropout: 1, inputSize: 30, background: 1e9, ink: -1e9,
    momentum: 1, beta1: 1, beta2: -0.5, epsilon: 0, weightDecay: 2, seed: -1, classes: 65 };
  for (const f of fields) {
    const wrongType = f.type === 'choice' || f.type === 'flag' ? 1 : 'x';
    assert.throws(() => lenet.create({ [f.key]: wrongType }), new RegExp(`option ${f.key} must be a`), f.key);
    const bad = f.type === 'choice' ? 'nonsense' : f.type === 'flag' ? undefined : outside[f.key];
    if (bad === undefined) continue;
    assert.ok(f.type === 'choice' || f.key in outside, `the test needs an out-of-range value for ${f.key}`);
    const says = f.type === 'choice' ? `unknown ${f.key} 'nonsense' \\(allowed: ${f.choices.join(', ')}\\)` : `${f.key} must be`;
    assert.throws(() => lenet.create({ [f.key]: bad }), new RegExp(says), f.key);
    assert.throws(() => execFileSync(cli, ['bench', `--${f.flag}`, String(bad), '--seconds', '0.01'], { stdio: 'pipe' }),
      (e) => e.status === 1 && new RegExp(`--${f.flag}: .*${says}`).test(String(e.stderr)), f.key);
  }
  assert.throws(() => lenet.create({ learningrate: 0.1 }), /unknown option 'learningrate'/);
});
