// Shared vocabulary of the engine.
//
// Shape legend used in every comment of the form "shapes: ...":
//   N  batch size            C  input channels (maps)     OC output channels (maps)
//   H, W  input height/width  OH, OW  output height/width  K  kernel side (square)
//   I  dense inputs           O  dense outputs             P  = OH*OW output pixels per map
// Activations are stored NCHW, one flat float array per layer, batch outermost.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

namespace lenet {

// Buffers on 64-byte (cache-line) boundaries, for the engine's big arrays: malloc aligns to 8 bytes under
// Emscripten, and in a buffer 8 bytes off a 16-byte boundary one 16-byte load in four straddles two cache
// lines. Aligned, every vector load at a multiple of 4 floats stays inside one line.
template <typename T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <typename U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const CacheAligned<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheAligned<U>&) const { return false; }
};


// Every error the engine reports: bad files, bad arguments, divergence. The message names the problem;
// the binding turns it into a JavaScript Error with the same text.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A parameter tensor and its gradient, as the optimizers see them (they know nothing of layers).
struct ParamSpan {
  float* param;
  float* grad;
  size_t size;
};

}  // namespace lenet
