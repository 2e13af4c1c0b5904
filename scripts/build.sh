#!/usr/bin/env bash
# Builds everything that is missing or stale: the native library, tool and tests (build/native), the
# WebAssembly modules and the WASM test suite (build/wasm), the page's MNIST subset (build/web-data) and
# the assembled static site (build/site). Incremental: a second run does almost nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${LENET_JOBS:-2}"

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$jobs"

# Debian's Emscripten 3.1.6: its JS optimizer needs Node to find Debian's node modules.
export NODE_PATH=/usr/share/nodejs
if [ ! -f build/wasm/CMakeCache.txt ]; then
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/wasm -j "$jobs"

node scripts/prepare-data.mjs
if [ -f scripts/assemble-site.mjs ]; then node scripts/assemble-site.mjs; fi
if [ -f scripts/build-dist.mjs ]; then node scripts/build-dist.mjs; fi
