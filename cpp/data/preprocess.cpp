// A drawing to the network's input the way MNIST was made (the MNIST page: "size normalized to fit in a
// 20x20 pixel box while preserving their aspect ratio ... anti-aliasing ... centered in a 28x28 image by
// computing the center of mass of the pixels, and translating the image so as to position this point at
// the center of the 28x28 field").
//
// Memory stays small for any input size: the input is read twice (bounding box, then resampling) in place
// and never copied; besides two ints per source row (kept per thread), everything fits in 20x20 on the
// stack, and a call allocates nothing once a drawing of its height has been seen. Byte bitmaps (a canvas)
// skip runs of background pixels with vector compares, so a 280x280 drawing costs tens of microseconds.
#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/common.h"
#if LENET_HAVE_SIMD
#include "kernels/simd.h"
#endif

namespace lenet {

namespace {

constexpr int kMaxSide = 16384;
constexpr int kBox = 20;    // the longer side of the digit after scaling
constexpr int kField = 28;  // the field the digit is centred in
// Ink weaker than this fraction of full contrast is paper texture, JPEG noise or a faint smudge.
constexpr float kInkThreshold = 0.1f;

void check_common_args(const float* out, int width, int height, int side) {
  if (out == nullptr) throw Error("preprocess: null output");
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
    throw Error("preprocess: image size " + std::to_string(width) + " x " + std::to_string(height) +
                " is outside 1..16384");
  }
  if (side != 28 && side != 32) throw Error("preprocess: side " + std::to_string(side) + " is not 28 or 32");
}

// One axis of the resampling, n_src sources to n_out cells; a cell's weights sum to 1.
// Shrinking (n_out <= n_src) averages areas. In units of 1/n_out of a source pixel, source x covers
// [x n_out, (x+1) n_out) and cell i covers [i n_src, (i+1) n_src), so a source's weight in a cell is
// their overlap / n_src, and so is a whole run's: whole numbers, no tables, and a multiply only for the
// two cells at a run's ends (the ones between are covered whole: weight 1). Enlarging (a digit under
// 20 px) is bilinear between the two nearest source centres, clamped at the ends: a table of at most 20.
class Axis {
 public:
  Axis(int n_src, int n_out) : n_src_(n_src), n_out_(n_out), shrink_(n_out <= n_src), inv_src_(1.0 / n_src) {
    if (shrink_) return;
    const double scale = static_cast<double>(n_out) / n_src;
    for (int i = 0; i < n_out; ++i) {
      const double u = std::clamp((i + 0.5) / scale - 0.5, 0.0, n_src - 1.0);
      x0_[i] = static_cast<int>(std::floor(u));
      x1_[i] = std::min(x0_[i] + 1, n_src - 1);
      const double f = u - x0_[i];
      w0_[i] = static_cast<float>(1.0 - f);
      w1_[i] = static_cast<float>(f);
    }
  }
  // Calls f(i, w) for each cell i that the sources [a, b] meet, in increasing i; w (> 0) is the sum of
  // cell i's weights over those sources.
  template <typename F>
  void cells(int a, int b, F&& f) const {
    if (shrink_) {
      const int lo = a * n_out_, hi = (b + 1) * n_out_;  // at most 16384 * 20
      const int i0 = lo / n_src_, i1 = (hi - 1) / n_src_;
      // The cells in between lie wholly inside the run: overlap n_src, weight exactly 1.
      auto partial = [&](int i) {
        const int overlap = std::min(hi, (i + 1) * n_src_) - std::max(lo, i * n_src_);
        return static_cast<float>(overlap * inv_src_);
      };
      f(i0, partial(i0));
      if (i1 == i0) return;
      for (int i = i0 + 1; i < i1; ++i) f(i, 1.0f);
      f(i1, partial(i1));
      return;
    }
    for (int i = 0; i < n_out_; ++i) {
      const float w = (x0_[i] >= a && x0_[i] <= b ? w0_[i] : 0.0f) + (x1_[i] >= a && x1_[i] <= b ? w1_[i] : 0.0f);
      if (w > 0.0f) f(i, w);
    }
  }

 private:
  int n_src_, n_out_;
  bool shrink_;
  double inv_src_;  // a multiply, not a division, per run end
  // enlarging: cell i's two sources and their weights (set for i < n_out_ only when enlarging, read only then)
  int x0_[kBox], x1_[kBox];
  float w0_[kBox], w1_[kBox];
};

// p[0..n) = 0, n a multiple of 4 (the box, the output, the row buffer h before each source row). As
// `= {}`, std::fill or a plain loop these became calls to Emscripten's memset, a wasm loop that a profile
// put at a tenth of the preprocessing; even a loop of vector stores is turned back into memset by the
// compiler unless told not to.
#if LENET_HAVE_SIMD && defined(__clang__)
__attribute__((no_builtin("memset")))
#endif
void zero_floats(float* p, int n) {
#if LENET_HAVE_SIMD
  for (int i = 0; i < n; i += 4) wasm_v128_store(p + i, wasm_f32x4_splat(0.0f));
#else
  std::fill(p, p + n, 0.0f);
#endif
}

// The recipe over an ink source, which answers two questions about a row y:
//   extent(y, first, last): the first and last pixel with ink (> 0); false if the row has none;
//   each_run(y, x0, x1, f): calls f(a, b, ink) for every maximal run [a, b] within [x0, x1] of pixels
//   with one and the same ink > 0, left to right.
// Ink is in [0, 1] and already thresholded (0 = background). Runs are defined by the ink values alone, so
// every source gives the same runs for the same ink and the same result to the bit. A source that skips
// background and finds the end of a run of one pixel value with vector compares (the byte bitmaps: 4 or 16
// pixels per compare) makes the whole recipe cost about a compare per 4-16 pixels plus a little per run.
// Returns false for an empty drawing (out untouched).
template <typename Source>
bool digit_to_field(float* out, int height, int side, const Source& src) {
  // Bounding box of the ink, and each row's own extent (the resampling reads only that). The extents live
  // in a buffer kept per thread, so a drawing of the same height again allocates nothing.
  thread_local std::vector<int> extents;
  extents.resize(2 * static_cast<size_t>(height));
  int* row_first = extents.data();
  int* row_last = row_first + height;
  int bx0 = std::numeric_limits<int>::max(), bx1 = -1, by0 = height, by1 = -1;
  for (int y = 0; y < height; ++y) {
    int first, last;
    row_first[y] = -1;
    if (!src.extent(y, first, last)) continue;
    row_first[y] = first;
    row_last[y] = last;
    bx0 = std::min(bx0, first);
    bx1 = std::max(bx1, last);
    if (by0 > y) by0 = y;
    by1 = y;
  }
  if (bx1 < 0) return false;
  const int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;

  // Scale the longer side to 20 px, keeping the aspect ratio.
  const double s = static_cast<double>(kBox) / std::max(bw, bh);
  const int tw = std::clamp(static_cast<int>(std::lround(bw * s)), 1, kBox);
  const int th = std::clamp(static_cast<int>(std::lround(bh * s)), 1, kBox);
  const Axis ax(bw, tw), ay(bh, th);

  // Per source row with ink: the horizontal pass into h[tw] (each run of one ink added to the cells it
  // meets), then h added into the rows of box[th][tw] (rows kBox apart) that this source row meets: whole
  // rows of kBox, a trip count the compiler knows (h is 0 past tw). Every box cell sums its
  // terms in source order.
  float box[kBox * kBox];
  float h[kBox];
  static_assert(kBox % 4 == 0, "whole vectors");
  zero_floats(box, kBox * kBox);
  zero_floats(h, kBox);
  for (int y = 0; y < bh; ++y) {
    const int first = row_first[by0 + y];
    if (first < 0) continue;
    src.each_run(by0 + y, first, row_last[by0 + y], [&](int a, int b, float ink) {
      ax.cells(a - bx0, b - bx0, [&](int i, float w) { h[i] += ink * w; });
    });
    ay.cells(y, y, [&](int j, float w) {
      for (int i = 0; i < kBox; ++i) box[j * kBox + i] += w * h[i];
    });
    zero_floats(h, kBox);
  }

  // Centre of mass to the field's centre by an integer shift, as MNIST did, clamped so the box stays inside
  // the field. Coordinates are pixel indices (pixel i's centre at i) and the target is pixel 14: that is
  // MNIST's convention -- every MNIST digit's centre of mass lies within 13.5..14.5 in these coordinates,
  // half a pixel right of and below the geometric centre.
  double mass = 0.0, mx = 0.0, my = 0.0;
  float peak = 0.0f;
  for (int j = 0; j < th; ++j) {
    for (int i = 0; i < tw; ++i) {
      const float v = box[j * kBox + i];
      mass += v;
      mx += v * i;
      my += v * j;
      peak = std::max(peak, v);
    }
  }
  if (!(peak > 0.0f)) return false;  // unreachable: the box holds ink above the threshold
  const int ox = std::clamp(static_cast<int>(std::lround(kField / 2.0 - mx / mass)), 0, kField - tw);
  const int oy = std::clamp(static_cast<int>(std::lround(kField / 2.0 - my / mass)), 0, kField - th);

  const int pad = (side - kField) / 2;
  zero_floats(out, side * side);  // side is 28 or 32
  const float inv_peak = 1.0f / peak;
  for (int j = 0; j < th; ++j) {
    for (int i = 0; i < tw; ++i) out[(pad + oy + j) * side + pad + ox + i] = box[j * kBox + i] * inv_peak;
  }
  return true;
}

float threshold_ink(float ink) { return ink < kInkThreshold ? 0.0f : std::min(ink, 1.0f); }

// Float pixels: ink is the pixel itself; every pixel is looked at.
struct FloatSource {
  const float* pixels;
  int width;
  float ink(int x, int y) const { return threshold_ink(std::max(pixels[static_cast<size_t>(y) * width + x], 0.0f)); }
  bool extent(int y, int& first, int& last) const {
    first = 0;
    while (first < width && ink(first, y) == 0.0f) ++first;
    if (first == width) return false;
    last = width - 1;
    while (ink(last, y) == 0.0f) --last;
    return true;
  }
  template <typename F>
  void each_run(int y, int x0, int x1, F&& f) const {
    for (int x = x0; x <= x1;) {
      const float v = ink(x, y);
      int end = x + 1;
      while (end <= x1 && ink(end, y) == v) ++end;
      if (v > 0.0f) f(x, end - 1, v);
      x = end;
    }
  }
};

// Byte pixels, gray (CH 1) or RGBA (CH 4). A pixel whose bytes equal the background pixel's (one of the
// border pixels whose gray level is the border's median) has no ink, and whole vectors of them are
// skipped with one compare; other pixels get their gray level, composited over white, and the ink from
// it (the last such pixel is remembered: strokes are mostly of one colour).
template <int CH>
struct ByteSource {
  using Word = std::conditional_t<CH == 1, uint8_t, uint32_t>;
  const uint8_t* px;
  int width;
  Word bg_word;
  float background, inv_contrast;
  mutable Word cached_word;
  mutable float cached_ink;

  ByteSource(const uint8_t* p, int w, Word bgw, float bg, float inv)
      : px(p), width(w), bg_word(bgw), background(bg), inv_contrast(inv), cached_word(bgw), cached_ink(0.0f) {}

  const uint8_t* row(int y) const { return px + static_cast<size_t>(y) * width * CH; }
  static Word word(const uint8_t* p) {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  static float gray(const uint8_t* p) {
    if (CH == 1) return p[0];
    const float a = p[3] * (1.0f / 255.0f);
    const float r = a * p[0] + (1.0f - a) * 255.0f;
    const float g = a * p[1] + (1.0f - a) * 255.0f;
    const float b = a * p[2] + (1.0f - a) * 255.0f;
    return 0.299f * r + 0.587f * g + 0.114f * b;
  }
  float ink_at(const uint8_t* r, int x) const {
    const Word w = word(r + static_cast<size_t>(x) * CH);
    if (w == cached_word) return cached_ink;
    cached_word = w;
    cached_ink = threshold_ink(std::fabs(gray(r + static_cast<size_t>(x) * CH) - background) * inv_contrast);
    return cached_ink;
  }

  // The first x in [x, end) whose pixel is not the background pixel, or end.
  int skip(const uint8_t* r, int x, int end) const { return run_end(r, x, end, bg_word); }
  // The last x in [begin, x] whose pixel is not the background pixel, or begin - 1.
  int skip_back(const uint8_t* r, int x, int begin) const {
#if LENET_HAVE_SIMD
    constexpr int kPer = 16 / CH;
    const v128_t bgv = CH == 1 ? wasm_i8x16_splat(static_cast<int8_t>(bg_word))
                               : wasm_i32x4_splat(static_cast<int32_t>(bg_word));
    for (; x - 4 * kPer + 1 >= begin; x -= 4 * kPer) {
      const uint8_t* p = r + static_cast<size_t>(x - 4 * kPer + 1) * CH;
      const v128_t d = wasm_v128_or(wasm_v128_or(wasm_v128_xor(wasm_v128_load(p), bgv), wasm_v128_xor(wasm_v128_load(p + 16), bgv)),
                                    wasm_v128_or(wasm_v128_xor(wasm_v128_load(p + 32), bgv), wasm_v128_xor(wasm_v128_load(p + 48), bgv)));
      if (wasm_v128_any_true(d)) break;
    }
    for (; x - kPer + 1 >= begin; x -= kPer) {
      const v128_t v = wasm_v128_load(r + static_cast<size_t>(x - kPer + 1) * CH);
      const uint32_t same = wasm_i8x16_bitmask(CH == 1 ? wasm_i8x16_eq(v, bgv) : wasm_i32x4_eq(v, bgv));
      if (same != 0xFFFFu) return x - kPer + 1 + (31 - __builtin_clz(~same & 0xFFFFu)) / CH;
    }
#endif
    for (; x >= begin; --x)
      if (word(r + static_cast<size_t>(x) * CH) != bg_word) return x;
    return begin - 1;
  }

  bool extent(int y, int& first, int& last) const {
    const uint8_t* r = row(y);
    int x = skip(r, 0, width);
    while (x < width && ink_at(r, x) == 0.0f) x = skip(r, x + 1, width);
    if (x == width) return false;
    first = x;
    x = skip_back(r, width - 1, first);
    while (ink_at(r, x) == 0.0f) x = skip_back(r, x - 1, first);  // stops at `first` at the latest
    last = x;
    return true;
  }
  // The first x in [x, end) whose pixel is not the word w, or end.
  static int run_end(const uint8_t* r, int x, int end, Word w) {
#if LENET_HAVE_SIMD
    constexpr int kPer = 16 / CH;  // pixels per vector
    const v128_t wv = CH == 1 ? wasm_i8x16_splat(static_cast<int8_t>(w)) : wasm_i32x4_splat(static_cast<int32_t>(w));
    // Four vectors per test while all pixels match (blank rows are most of a canvas), then one.
    for (; x + 4 * kPer <= end; x += 4 * kPer) {
      const uint8_t* p = r + static_cast<size_t>(x) * CH;
      const v128_t d = wasm_v128_or(wasm_v128_or(wasm_v128_xor(wasm_v128_load(p), wv), wasm_v128_xor(wasm_v128_load(p + 16), wv)),
                                    wasm_v128_or(wasm_v128_xor(wasm_v128_load(p + 32), wv), wasm_v128_xor(wasm_v128_load(p + 48), wv)));
      if (wasm_v128_any_true(d)) break;
    }
    for (; x + kPer <= end; x += kPer) {
      const v128_t v = wasm_v128_load(r + static_cast<size_t>(x) * CH);
      const uint32_t same = wasm_i8x16_bitmask(CH == 1 ? wasm_i8x16_eq(v, wv) : wasm_i32x4_eq(v, wv));
      if (same != 0xFFFFu) return x + __builtin_ctz(~same & 0xFFFFu) / CH;
    }
#endif
    for (; x < end; ++x)
      if (word(r + static_cast<size_t>(x) * CH) != w) return x;
    return end;
  }
  template <typename F>
  void each_run(int y, int x0, int x1, F&& f) const {
    const uint8_t* r = row(y);
    const int end = x1 + 1;
    int x = skip(r, x0, end);
    while (x < end) {
      const float v = ink_at(r, x);
      const int a = x;
      // Pixels of one value, then on while the next value has the same ink (a run is one ink, not one value).
      do {
        x = run_end(r, x, end, word(r + static_cast<size_t>(x) * CH));
      } while (x < end && ink_at(r, x) == v);
      if (v > 0.0f) f(a, x - 1, v);
      if (x < end && word(r + static_cast<size_t>(x) * CH) == bg_word) x = skip(r, x, end);
    }
  }
};

template <int CH>
bool bytes_to_field(float* out, const Bitmap& bitmap, int side) {
  using Source = ByteSource<CH>;
  const int w = bitmap.width, h = bitmap.height;
  const uint8_t* px = bitmap.pixels;
  // Background: the median gray level of the border ring (robust to strokes that touch the edge), and
  // the ring pixel that has it. A ring of one pixel value (a blank canvas edge) is its own median.
  typename Source::Word bg_word = Source::word(px);
  float background = Source::gray(px);
  bool uniform = Source::run_end(px, 0, w, bg_word) == w &&
                 Source::run_end(px + (static_cast<size_t>(h) - 1) * w * CH, 0, w, bg_word) == w;
  for (int y = 1; uniform && y + 1 < h; ++y) {
    uniform = Source::word(px + static_cast<size_t>(y) * w * CH) == bg_word &&
              Source::word(px + (static_cast<size_t>(y) * w + w - 1) * CH) == bg_word;
  }
  if (!uniform) {
    std::vector<std::pair<float, typename Source::Word>> ring;
    ring.reserve(2 * static_cast<size_t>(w) + 2 * static_cast<size_t>(h));
    auto add = [&](int x, int y) {
      const uint8_t* p = px + (static_cast<size_t>(y) * w + x) * CH;
      ring.emplace_back(Source::gray(p), Source::word(p));
    };
    for (int x = 0; x < w; ++x) {
      add(x, 0);
      if (h > 1) add(x, h - 1);
    }
    for (int y = 1; y + 1 < h; ++y) {
      add(0, y);
      if (w > 1) add(w - 1, y);
    }
    auto by_gray = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::nth_element(ring.begin(), ring.begin() + ring.size() / 2, ring.end(), by_gray);
    background = ring[ring.size() / 2].first;
    bg_word = ring[ring.size() / 2].second;
  }
  // Full contrast is the farthest gray level from the background, so a stroke of pure black on white (or
  // white on black) is ink 1 whatever the paper's shade.
  const float inv_contrast = 1.0f / std::max(background, 255.0f - background);
  return digit_to_field(out, h, side, Source(px, w, bg_word, background, inv_contrast));
}

}  // namespace

bool preprocess_drawing(float* out, const Bitmap& bitmap, int side) {
  if (bitmap.pixels == nullptr) throw Error("preprocess: null pixels");
  check_common_args(out, bitmap.width, bitmap.height, side);
  if (bitmap.channels != 1 && bitmap.channels != 4) {
    throw Error("preprocess: " + std::to_string(bitmap.channels) + " channels; expected 1 (gray) or 4 (RGBA)");
  }
  return bitmap.channels == 1 ? bytes_to_field<1>(out, bitmap, side) : bytes_to_field<4>(out, bitmap, side);
}

bool preprocess_drawing_f32(float* out, const float* pixels, int width, int height, int side) {
  if (pixels == nullptr) throw Error("preprocess: null pixels");
  check_common_args(out, width, height, side);
  // Checked up front so that a bad pixel anywhere throws before `out` is touched.
  const size_t n = static_cast<size_t>(width) * height;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(pixels[i])) {
      throw Error("preprocess: pixel " + std::to_string(i % width) + "," + std::to_string(i / width) +
                  " is not a finite number");
    }
  }
  return digit_to_field(out, height, side, FloatSource{pixels, width});
}

void check_augment_ranges(const AugmentRanges& r) {
  const bool ok = std::isfinite(r.shift) && std::isfinite(r.degrees) && r.shift >= 0.0f && r.degrees >= 0.0f &&
                  r.scale >= 0.0f && r.scale < 1.0f && r.stroke >= 0.0f && r.stroke <= 1.0f;
  if (!ok) throw Error("augment_image: ranges must be finite and >= 0, max_scale < 1 and max_stroke <= 1");
}

namespace {
// Thicker (t > 0) or thinner (t < 0) strokes: a blend of the image with its 3x3 maximum or minimum.
void change_stroke(float* image, int side, float t) {
  if (t == 0.0f) return;
  // The original, in a buffer that grows once per thread (augmentation runs inside training steps).
  thread_local std::vector<float> source;
  source.assign(image, image + static_cast<size_t>(side) * side);
  const bool thicker = t > 0;
  const float w = std::fabs(t);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      float m = source[static_cast<size_t>(y) * side + x];
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = y + dy, xx = x + dx;
          const float v = (yy < 0 || xx < 0 || yy >= side || xx >= side) ? 0.0f : source[static_cast<size_t>(yy) * side + xx];
          m = thicker ? std::max(m, v) : std::min(m, v);
        }
      float& p = image[static_cast<size_t>(y) * side + x];
      p = (1.0f - w) * p + w * m;
    }
}
}  // namespace

void augment_image(float* out, const float* in, int side, Rng& rng, float max_shift, float max_degrees,
                   float max_scale, float max_stroke) {
  if (out == nullptr || in == nullptr) throw Error("augment_image: null image");
  if (side < 1 || side > kMaxSide) throw Error("augment_image: side " + std::to_string(side) + " is out of range");
  check_augment_ranges({max_shift, max_degrees, max_scale, max_stroke});
  // Draw order (the tests reproduce it): shift x, shift y, rotation, scale.
  const float dx = rng.uniform(-max_shift, max_shift);
  const float dy = rng.uniform(-max_shift, max_shift);
  const float theta = rng.uniform(-max_degrees, max_degrees) * (3.14159265358979f / 180.0f);
  const float scale = rng.uniform(1.0f - max_scale, 1.0f + max_scale);

  // Forward map p' = c + scale * R(theta) (p - c) + d, sampled by its inverse:
  // p = c + R(-theta) (p' - c - d) / scale, so every output pixel gets exactly one bilinear sample.
  const float c = side * 0.5f;
  const float cs = std::cos(theta) / scale, sn = std::sin(theta) / scale;
  auto at = [in, side](int x, int y) -> float {
    return (x < 0 || y < 0 || x >= side || y >= side) ? 0.0f : in[y * side + x];
  };
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const float qx = x + 0.5f - c - dx, qy = y + 0.5f - c - dy;
      // source position in pixel-index coordinates (centre of pixel i at i)
      // (clamped just outside the image, where every tap reads 0, so huge shifts never overflow the int)
      const float u = std::clamp(c + cs * qx + sn * qy - 0.5f, -2.0f, side + 1.0f);
      const float v = std::clamp(c - sn * qx + cs * qy - 0.5f, -2.0f, side + 1.0f);
      const float fu = std::floor(u), fv = std::floor(v);
      const int x0 = static_cast<int>(fu), y0 = static_cast<int>(fv);
      const float a = u - fu, b = v - fv;
      out[y * side + x] = (1.0f - b) * ((1.0f - a) * at(x0, y0) + a * at(x0 + 1, y0)) +
                          b * ((1.0f - a) * at(x0, y0 + 1) + a * at(x0 + 1, y0 + 1));
    }
  }
  if (max_stroke > 0.0f) change_stroke(out, side, rng.uniform(-max_stroke, max_stroke));
}

}  // namespace lenet
