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
#include <stdexcept>
#include <string>

namespace lenet {

// Every error the engine reports: bad files, bad arguments, divergence. The message names the problem;
// the binding turns it into a JavaScript Error with the same text.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A parameter tensor and its gradient, as the optimizers see them (principle 7 of STYLE.md).
struct ParamSpan {
  float* param;
  float* grad;
  size_t size;
};

}  // namespace lenet
