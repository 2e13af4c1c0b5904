#!/usr/bin/env bash
# Installs what this project needs on Debian 12, and nothing that is already there:
#   Debian packages (apt-get, when run as root; otherwise prints the command) and npm packages (npm ci).
# Usage: scripts/setup.sh [start|test]   (start needs less: no browser, no PyTorch)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

# package -> a file it installs, to tell whether it is there without asking dpkg for every run
declare -A probe=(
  [cmake]=/usr/bin/cmake
  [g++]=/usr/bin/g++
  [emscripten]=/usr/bin/emcc
  [doctest-dev]=/usr/include/doctest/doctest.h
  [libsimde-dev]=/usr/include/simde/wasm/simd128.h
  [nodejs]=/usr/bin/node
  [npm]=/usr/share/nodejs/npm/package.json
)
if [ "$mode" = test ]; then
  probe[chromium]=/usr/bin/chromium
  probe[python3-torch]=/usr/lib/python3/dist-packages/torch/__init__.py
  probe[python3-numpy]=/usr/lib/python3/dist-packages/numpy/__init__.py
  probe[clang]=/usr/bin/clang++
  probe[libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
fi

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
# node and npm may come from elsewhere than Debian; accept any on PATH.
if command -v node >/dev/null 2>&1; then missing=("${missing[@]/nodejs}"); fi
if command -v npm >/dev/null 2>&1; then missing=("${missing[@]/npm}"); fi
read -r -a missing <<<"${missing[*]:-}"

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root:  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm packages, from the lock file; again only when something changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
