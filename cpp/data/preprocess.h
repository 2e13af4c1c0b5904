// A drawn digit to the network's input, the way MNIST was made (LeCun, Cortes, Burges: the MNIST page):
// crop to the ink's bounding box, scale the longer side to 20 px keeping the aspect ratio (anti-aliased),
// and place it in a 28x28 field so that its centre of mass sits at the centre; then pad to 32x32 where
// the preset wants it.
#pragma once
#include <cstdint>

#include "base/rng.h"

namespace lenet {

struct Bitmap {
  const uint8_t* pixels = nullptr;  // row-major, `channels` bytes per pixel
  int width = 0;
  int height = 0;
  int channels = 1;                 // 1 (gray) or 4 (RGBA, as canvas ImageData gives)
};

// out: side*side floats in [0, 1], 1 = full ink, side 28 or 32 (32 = the 28x28 field centred with a 2 px
// border). Ink is whatever differs from the background; the background is taken from the border pixels,
// so dark ink on light paper and light ink on dark both work; RGBA is composited over white first.
// Returns false (out untouched) for an empty drawing (no pixel differs enough from the background).
// Throws lenet::Error for bad arguments: null pixels, width/height < 1 or > 16384, channels not 1 or 4,
// side not 28 or 32.
bool preprocess_drawing(float* out, const Bitmap& bitmap, int side = 28);

// The same for float pixels in [0, 1] (0 = background); NaN/Inf pixels are an Error.
bool preprocess_drawing_f32(float* out, const float* pixels, int width, int height, int side = 28);

// The centre of mass lands on pixel 14 of the 28x28 field (pixel centres at integer coordinates), where
// MNIST's own digits have theirs: measured over all 60,000 training digits.
//
// Data augmentation for training: a random affine warp (shift up to max_shift px, rotation up to
// max_degrees, scale within 1 +- max_scale) of a side x side image, bilinear, background 0 outside; then,
// when max_stroke > 0, a random change of stroke width: a blend towards the 3x3 maximum (thicker) or
// minimum (thinner) by a weight drawn from [-max_stroke, max_stroke] (1: one pixel either way).
// Draws from rng in this order: shift x, shift y, rotation, scale, then stroke only if max_stroke > 0
// (the tests replay it; with max_stroke 0 the draws are those of the warp alone).
void augment_image(float* out, const float* in, int side, Rng& rng, float max_shift = 2.0f,
                   float max_degrees = 10.0f, float max_scale = 0.1f, float max_stroke = 0.0f);

// The ranges a training session augments with: the tool's --augment (shift, rotation, scale) by default;
// few-example training (new classes from a handful of drawings) adds stroke width.
struct AugmentRanges {
  float shift = 2.0f, degrees = 10.0f, scale = 0.1f, stroke = 0.0f;
};
// Throws Error unless every range is finite and >= 0, scale < 1 and stroke <= 1.
void check_augment_ranges(const AugmentRanges& r);

}  // namespace lenet
