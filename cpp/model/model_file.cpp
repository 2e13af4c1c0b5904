#include "model/model_file.h"

#include <cmath>
#include <cstring>
#include <string>

#include "base/common.h"

namespace lenet {

namespace {

constexpr char kMagic[8] = {'L', 'E', 'N', 'E', 'T', '5', '\r', '\n'};
constexpr uint32_t kConfigBytes = 64;

class Writer {
 public:
  void u8(uint8_t v) { bytes.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v));
    u32(static_cast<uint32_t>(v >> 32));
  }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool has(size_t n) const { return static_cast<size_t>(end_ - p_) >= n; }
  uint8_t u8() { return *p_++; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[i]) << (8 * i);
    p_ += 4;
    return v;
  }
  uint64_t u64() {
    const uint64_t lo = u32();
    return lo | (static_cast<uint64_t>(u32()) << 32);
  }
  float f32() {
    const uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  const uint8_t* pos() const { return p_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

void write_config(Writer& w, const Config& c) {
  const size_t start = w.bytes.size();
  w.u8(static_cast<uint8_t>(c.activation));
  w.u8(static_cast<uint8_t>(c.pooling));
  w.u8(static_cast<uint8_t>(c.output));
  w.u8(c.c3_table ? 1 : 0);
  w.u8(static_cast<uint8_t>(c.optimizer));
  w.u8(static_cast<uint8_t>(c.init));
  w.u8(0);
  w.u8(0);
  w.f32(c.learning_rate);
  w.u32(static_cast<uint32_t>(c.batch_size));
  w.f32(c.dropout);
  w.u32(static_cast<uint32_t>(c.input_size));
  w.f32(c.background);
  w.f32(c.ink);
  w.f32(c.momentum);
  w.f32(c.beta1);
  w.f32(c.beta2);
  w.f32(c.epsilon);
  w.f32(c.weight_decay);
  w.u32(c.seed);
  while (w.bytes.size() - start < kConfigBytes) w.u8(0);  // reserved
}

// The configuration block's reserved bytes (offsets within it) must be zero: version 1 writes zeros there,
// and a later version may give them a meaning this reader would silently ignore.
void check_reserved(Reader& r, uint32_t from, uint32_t to) {
  for (uint32_t at = from; at < to; ++at) {
    const uint8_t v = r.u8();
    if (v != 0)
      throw Error("model file: reserved byte " + std::to_string(at) + " of the configuration block (file offset " +
                  std::to_string(16 + at) + ") is " + std::to_string(v) + ", not 0 (version 1 files have zeros there)");
  }
}

Config read_config(Reader& r) {
  Config c;
  const uint8_t codes[6] = {r.u8(), r.u8(), r.u8(), r.u8(), r.u8(), r.u8()};
  check_reserved(r, 6, 8);
  if (codes[0] > 3) throw Error("model file: unknown activation code " + std::to_string(codes[0]));
  if (codes[1] > 2) throw Error("model file: unknown pooling code " + std::to_string(codes[1]));
  if (codes[2] > 2) throw Error("model file: unknown output code " + std::to_string(codes[2]));
  if (codes[3] > 1) throw Error("model file: bad C3 table flag " + std::to_string(codes[3]));
  if (codes[4] > 2) throw Error("model file: unknown optimizer code " + std::to_string(codes[4]));
  if (codes[5] > 2) throw Error("model file: unknown init code " + std::to_string(codes[5]));
  c.activation = static_cast<Activation>(codes[0]);
  c.pooling = static_cast<Pooling>(codes[1]);
  c.output = static_cast<Output>(codes[2]);
  c.c3_table = codes[3] == 1;
  c.optimizer = static_cast<Optimizer>(codes[4]);
  c.init = static_cast<Init>(codes[5]);
  c.learning_rate = r.f32();
  const uint32_t batch = r.u32();
  c.batch_size = batch > 65536 ? -1 : static_cast<int>(batch);
  c.dropout = r.f32();
  const uint32_t input = r.u32();
  c.input_size = input > 1024 ? -1 : static_cast<int>(input);
  c.background = r.f32();
  c.ink = r.f32();
  c.momentum = r.f32();
  c.beta1 = r.f32();
  c.beta2 = r.f32();
  c.epsilon = r.f32();
  c.weight_decay = r.f32();
  c.seed = r.u32();
  check_reserved(r, 56, kConfigBytes);
  return c;
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  // CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the one zip and PNG use.
  static const auto table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> encode_model(const ModelContents& m) {
  Writer w;
  for (char ch : kMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(kModelFormatVersion);
  w.u32(kConfigBytes);
  write_config(w, m.config);
  w.u32(m.frozen);
  w.u64(m.steps);
  w.u32(static_cast<uint32_t>(m.params.size()));
  w.bytes.reserve(w.bytes.size() + 4 * m.params.size() + 4);
  for (float v : m.params) w.f32(v);
  w.u32(crc32(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

ModelContents decode_model(const uint8_t* data, size_t size, size_t (*expected_params)(const Config&)) {
  constexpr size_t kHeader = 8 + 4 + 4 + kConfigBytes + 4 + 8 + 4;
  if (!data || size == 0) throw Error("model file is empty");
  if (size < 8 || std::memcmp(data, kMagic, 8) != 0)
    throw Error("not a LeNet-5 model file (the first 8 bytes are not the magic \"LENET5\\r\\n\")");
  if (size < kHeader + 4)
    throw Error("model file is truncated: " + std::to_string(size) + " bytes, the header alone needs " +
                std::to_string(kHeader + 4));
  Reader r(data + 8, size - 8);
  const uint32_t version = r.u32();
  if (version != kModelFormatVersion)
    throw Error("model file version " + std::to_string(version) + " is not supported (this build reads version " +
                std::to_string(kModelFormatVersion) + ")");
  const uint32_t config_bytes = r.u32();
  if (config_bytes != kConfigBytes)
    throw Error("model file: configuration block of " + std::to_string(config_bytes) + " bytes, expected " +
                std::to_string(kConfigBytes));
  // Everything after the header has a known length; check it, then the checksum, before trusting a field.
  const uint8_t* count_at = data + kHeader - 4;
  const uint32_t count = static_cast<uint32_t>(count_at[0]) | (static_cast<uint32_t>(count_at[1]) << 8) |
                         (static_cast<uint32_t>(count_at[2]) << 16) | (static_cast<uint32_t>(count_at[3]) << 24);
  const uint64_t expected_size = kHeader + 4ull * count + 4;
  if (size < expected_size)
    throw Error("model file is truncated: " + std::to_string(size) + " bytes, but its header promises " +
                std::to_string(count) + " parameters (" + std::to_string(expected_size) + " bytes)");
  if (size > expected_size)
    throw Error("model file has " + std::to_string(size - expected_size) + " unexpected bytes after the checksum");
  const uint32_t stored_crc = static_cast<uint32_t>(data[size - 4]) | (static_cast<uint32_t>(data[size - 3]) << 8) |
                              (static_cast<uint32_t>(data[size - 2]) << 16) |
                              (static_cast<uint32_t>(data[size - 1]) << 24);
  if (crc32(data, size - 4) != stored_crc) throw Error("model file is corrupt: checksum mismatch");

  ModelContents m;
  m.config = read_config(r);
  try {
    validate(m.config);
  } catch (const Error& e) {
    throw Error(std::string("model file: ") + e.what());
  }
  m.frozen = r.u32();
  if (m.frozen >> 7) throw Error("model file: frozen-layer bits name a layer that does not exist");
  m.steps = r.u64();
  r.u32();  // count, read above
  const size_t want = expected_params(m.config);
  if (count != want)
    throw Error("model file holds " + std::to_string(count) + " parameters, but its configuration needs " +
                std::to_string(want));
  m.params.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    m.params[i] = r.f32();
    if (!std::isfinite(m.params[i]))
      throw Error("model file: parameter " + std::to_string(i) + " is " + (std::isnan(m.params[i]) ? "NaN" : "infinite"));
  }
  return m;
}

}  // namespace lenet
