#!/usr/bin/env bash
# Fuzzes the three parsers with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer:
# the model-file loader, the IDX reader and the drawing preprocessing (inputs: tests/fuzz/targets/fuzz_entries.h).
#   scripts/fuzz.sh [target...]      targets: model idx preprocess (default: all)
#   FUZZ_SECONDS=600                 seconds per target (one target at a time, one process each)
# The committed corpus (tests/fuzz/<target>/) is read-only seed input; what the fuzzer finds goes to
# build/fuzz/corpus-<target>/; a crash is saved under tests/fuzz/crashes/<target>/ (commit it once fixed:
# the normal test suite replays every file there). Exits non-zero on any finding. The generated seeds come
# from tests/fuzz/make_seeds.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-600}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(model idx preprocess)
mkdir -p build/fuzz
sources=()
# The engine: every part but the binding and the command-line tool.
for f in cpp/{base,kernels,layers,data,model}/*.cpp; do sources+=("$f"); done
status=0
for t in "${targets[@]}"; do
  bin="build/fuzz/fuzz_$t"
  if [ ! -x "$bin" ] || [ -n "$(find cpp tests/fuzz/targets -newer "$bin" -name '*.[ch]*' | head -1)" ]; then
    echo "fuzz: building $bin"
    clang++ -g -O1 -std=c++17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -DLENET_HAVE_SIMD=1 -msse4.1 -Icpp "tests/fuzz/targets/fuzz_$t.cpp" "${sources[@]}" -o "$bin"
  fi
  case "$t" in model) max_len=300000 ;; idx) max_len=70000 ;; *) max_len=20000 ;; esac
  work="build/fuzz/corpus-$t"
  crashes="tests/fuzz/crashes/$t"
  mkdir -p "$work" "$crashes"
  log="build/fuzz/$t.log"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  if ! "$bin" "$work" "tests/fuzz/$t" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1; then
    status=1
    echo "fuzz: $t FOUND A PROBLEM; inputs saved in $crashes/:"
    grep -E "ERROR|runtime error|SUMMARY|uncaught|what\(\)" "$log" | head -5
    findings="a finding (see $log)"
  else
    findings="no findings"
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
  ran=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+' || echo '?')
  echo "fuzz: $t: $execs executions in ${ran}s, $findings, corpus $(ls "$work" | wc -l) inputs"
done
exit "$status"
