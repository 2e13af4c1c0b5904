#!/usr/bin/env bash
# Runs every test: the native doctest suite and the same suite compiled to WebAssembly SIMD under Node
# (both through CTest, which also runs the PyTorch parity test inside the native suite), the Node tests of
# the JavaScript API and the data script, the browser tests in headless Chromium (accessibility by axe
# among them), and the smoke tests in the other engines: Firefox and WebKit (tests/engines).
# Expects scripts/setup.sh and scripts/build.sh to have run (npm test runs all three).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
run() {
  echo "== $*"
  if ! "$@"; then status=1; echo "!! FAILED: $*"; fi
}
run ctest --test-dir build/native --output-on-failure
# The native tool: every command, its JSON, errors and exit codes.
run bash tests/cli/test_cli.sh
run node tests/cli/test_checkpoint_kill.mjs  # SIGKILL at 32 seeded moments: the checkpoint is absent or whole
# The same doctest suite under AddressSanitizer and UndefinedBehaviorSanitizer.
run cmake -S . -B build/asan -DLENET_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
run cmake --build build/asan -j "${LENET_JOBS:-2}" --target lenet_tests
run env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/lenet_tests
shopt -s nullglob
node_tests=(tests/node/*.test.mjs)
browser_tests=(tests/browser/*.test.mjs)
if [ "${#node_tests[@]}" -gt 0 ]; then run node --test --test-concurrency=1 "${node_tests[@]}"; fi
if [ "${#browser_tests[@]}" -gt 0 ]; then run node --test --test-concurrency=1 "${browser_tests[@]}"; fi
engine_tests=(tests/engines/*.test.mjs)
if [ "${#engine_tests[@]}" -gt 0 ]; then run node --test --test-concurrency=1 "${engine_tests[@]}"; fi
if [ "$status" = 0 ]; then echo "all test suites passed"; else echo "some test suites FAILED"; fi
exit "$status"
