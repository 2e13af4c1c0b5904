// The one place that decides where the wasm_* intrinsics come from: the real wasm_simd128.h under
// Emscripten with -msimd128, SIMDe's portable implementation natively (libsimde-dev).
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif
