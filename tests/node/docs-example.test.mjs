// The README's and docs/api.md's Node example runs as written and classifies its digit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { root } from './helpers.mjs';

for (const [doc, heading] of [['README.md', '## JavaScript API'], ['docs/api.md', '## Classify a digit']]) test(`the Node example under ${doc}'s "${heading}" runs and prints the right digit`, () => {
  const readme = fs.readFileSync(path.join(root, doc), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = section.match(/```js\n([\s\S]*?)```/);
  assert.ok(readme.includes(heading) && block, `${doc} has no ${heading} section with a js code block`);
  assert.match(block[1], /from '\.\/web\/lenet\.js'/);
  // Run it from the repository root, as the text says, with the import pointing at this tree.
  const code = block[1].replace("'./web/lenet.js'", `'${pathToFileURL(path.join(root, 'web/lenet.js')).href}'`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-doc-'));
  const file = path.join(dir, 'classify.mjs');
  fs.writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
    assert.match(out, /^WebAssembly build: simd$/m);
    assert.match(out, /^predicted 7 \(p = [01]\.\d{4}\), label 7$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
