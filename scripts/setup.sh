#!/usr/bin/env bash
# Installs what this project needs on Debian 12, and nothing that is already there:
#   Debian packages (apt-get, when run as root; otherwise prints the command) and npm packages (npm ci).
# Usage: scripts/setup.sh [start|test]   (start: what building and serving need; test, the default, adds
# the browsers, PyTorch and clang the tests use). npm start runs it with 'start', npm test with 'test'.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"

# package -> a file it installs (a glob where the path holds a version), to tell whether it is there
# without asking dpkg for every run
declare -A probe=(
  [cmake]=/usr/bin/cmake
  [g++]=/usr/bin/g++
  [emscripten]=/usr/bin/emcc
  [doctest-dev]=/usr/include/doctest/doctest.h
  [libsimde-dev]=/usr/include/simde/wasm/simd128.h
  [nodejs]=/usr/bin/node
  [npm]=/usr/share/nodejs/npm/package.json
)
case "$mode" in
  start) ;;
  test)
    probe[chromium]=/usr/bin/chromium
    probe[python3-torch]=/usr/lib/python3/dist-packages/torch/__init__.py
    probe[python3-numpy]=/usr/lib/python3/dist-packages/numpy/__init__.py
    probe[clang]=/usr/bin/clang++
    probe[libclang-rt-14-dev]='/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
    # the engine smoke tests (tests/engines): Firefox, WebKitGTK's WebDriver and MiniBrowser, an X server
    probe[firefox-esr]=/usr/bin/firefox-esr
    probe[webkit2gtk-driver]=/usr/bin/WebKitWebDriver
    probe[xvfb]=/usr/bin/Xvfb
    probe[fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
    ;;
  *) echo "setup: unknown mode '$mode' (start or test)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${!probe[@]}"; do
  compgen -G "${probe[$pkg]}" >/dev/null || missing+=("$pkg")
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
