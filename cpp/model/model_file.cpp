#include "model/model_file.h"

#include <cmath>
#include <cstring>
#include <string>

#include "base/common.h"

namespace lenet {

namespace {

constexpr char kMagic[8] = {'L', 'E', 'N', 'E', 'T', '5', '\r', '\n'};
constexpr uint32_t kConfigBytes = 64;
constexpr uint32_t kFlagFloat16 = 1;
constexpr size_t kMaxClassNameBytes = 32;

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
  void skip(size_t n) { p_ += n; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// The configuration block, field by field from the configuration table (its file_offset and type): a
// choice or flag is one byte, an integer a u32, a real an f32. Fields newer than `version` are not
// written; bytes no field of the version covers are reserved and zero.
void write_config(Writer& w, const Config& c, uint32_t version) {
  const size_t start = w.bytes.size();
  w.bytes.resize(start + kConfigBytes, 0);
  Writer field;
  for (const ConfigField& f : config_fields()) {
    if (f.since_version > version) continue;
    field.bytes.clear();
    const double v = f.get(c);
    if (f.type == FieldType::choice || f.type == FieldType::flag) field.u8(static_cast<uint8_t>(v));
    else if (f.type == FieldType::integer) field.u32(static_cast<uint32_t>(v));
    else field.f32(static_cast<float>(v));
    std::copy(field.bytes.begin(), field.bytes.end(), w.bytes.begin() + static_cast<std::ptrdiff_t>(start + f.file_offset));
  }
}

size_t field_width(const ConfigField& f) { return f.type == FieldType::choice || f.type == FieldType::flag ? 1 : 4; }

Config read_config(Reader& r, uint32_t version) {
  const uint8_t* block = r.pos();
  r.skip(kConfigBytes);
  Config c = preset("modern");
  bool covered[kConfigBytes] = {};
  for (const ConfigField& f : config_fields()) {
    if (f.since_version > version) {
      f.set(c, f.defaults[0]);  // the same in every preset: what older files meant
      continue;
    }
    Reader field(block + f.file_offset, field_width(f));
    for (size_t i = 0; i < field_width(f); ++i) covered[f.file_offset + i] = true;
    double v = 0;
    if (f.type == FieldType::choice || f.type == FieldType::flag) {
      const uint8_t code = field.u8();
      if (code > f.hi) {
        throw Error(std::string("model file: ") + (f.type == FieldType::choice ? "unknown " : "bad ") + f.key +
                    (f.type == FieldType::choice ? " code " : " flag ") + std::to_string(code));
      }
      v = code;
    } else if (f.type == FieldType::integer) {
      v = field.u32();
    } else {
      v = field.f32();
    }
    f.set(c, v);
  }
  for (uint32_t i = 0; i < kConfigBytes; ++i)
    if (!covered[i] && block[i] != 0)
      throw Error("model file: reserved byte " + std::to_string(i) + " of the configuration block (file offset " +
                  std::to_string(16 + i) + ") is " + std::to_string(block[i]) +
                  ", not 0 (a later version may give it a meaning this reader would ignore)");
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

void check_class_names(const std::vector<std::string>& names, int classes) {
  if (static_cast<int>(names.size()) != classes)
    throw Error(std::to_string(names.size()) + " class names for " + std::to_string(classes) + " classes");
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.empty()) throw Error("class " + std::to_string(i) + " has an empty name");
    if (name.size() > kMaxClassNameBytes)
      throw Error("class name '" + name + "' is longer than " + std::to_string(kMaxClassNameBytes) + " bytes");
    // UTF-8 without control characters: each lead byte says how many continuation bytes follow.
    for (size_t k = 0; k < name.size();) {
      const auto b = static_cast<unsigned char>(name[k]);
      const int more = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
      bool ok = more >= 0 && b >= 0x20 && b != 0x7F && k + more < name.size();
      for (int j = 1; ok && j <= more; ++j) ok = (static_cast<unsigned char>(name[k + j]) >> 6) == 0x2;
      if (!ok) throw Error("class " + std::to_string(i) + "'s name is not printable UTF-8");
      k += static_cast<size_t>(more) + 1;
    }
    for (size_t j = 0; j < i; ++j)
      if (names[j] == name) throw Error("class name '" + name + "' is used twice");
  }
}

uint16_t float_to_half(float v) {
  uint32_t x;
  std::memcpy(&x, &v, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) return static_cast<uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u : 0u));
  if (abs >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds past the largest half
  if (abs < 0x38800000u) {  // a half subnormal (or zero): scale by 2^24 and round to an integer
    float f;
    const uint32_t a = abs;
    std::memcpy(&f, &a, 4);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(f * 16777216.0f)));
  }
  // Normal: drop 13 mantissa bits, rounding to nearest even (a carry into the exponent is right too).
  const uint32_t rounded = abs + 0xFFFu + ((abs >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
  uint32_t x;
  if (exp == 0) {
    const float f = static_cast<float>(mant) / 16777216.0f;  // subnormal: mant * 2^-24
    std::memcpy(&x, &f, 4);
    x |= sign;
  } else if (exp == 31) {
    x = sign | 0x7F800000u | (mant << 13);
  } else {
    x = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float v;
  std::memcpy(&v, &x, 4);
  return v;
}

std::vector<uint8_t> encode_model(const ModelContents& m) {
  const bool own_names = !m.class_names.empty();
  const uint32_t version = (own_names || m.float16 || m.config.classes != 10) ? 2 : 1;
  Writer w;
  for (char ch : kMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(version);
  w.u32(kConfigBytes);
  write_config(w, m.config, version);
  w.u32(m.frozen);
  w.u64(m.steps);
  if (version >= 2) {
    w.u32(m.float16 ? kFlagFloat16 : 0u);
    uint32_t name_bytes = 0;
    for (const std::string& name : m.class_names) name_bytes += 1 + static_cast<uint32_t>(name.size());
    w.u32(name_bytes);
    for (const std::string& name : m.class_names) {
      w.u8(static_cast<uint8_t>(name.size()));
      for (char ch : name) w.u8(static_cast<uint8_t>(ch));
    }
  }
  w.u32(static_cast<uint32_t>(m.params.size()));
  w.bytes.reserve(w.bytes.size() + 4 * m.params.size() + 4);
  if (m.float16) {
    for (float v : m.params) {
      const uint16_t h = float_to_half(v);
      w.u8(static_cast<uint8_t>(h)), w.u8(static_cast<uint8_t>(h >> 8));
    }
  } else {
    for (float v : m.params) w.f32(v);
  }
  w.u32(crc32(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

ModelContents decode_model(const uint8_t* data, size_t size, size_t (*expected_params)(const Config&)) {
  constexpr size_t kFixed = 8 + 4 + 4 + kConfigBytes + 4 + 8;  // up to and including the steps
  if (!data || size == 0) throw Error("model file is empty");
  if (size < 8 || std::memcmp(data, kMagic, 8) != 0)
    throw Error("not a LeNet-5 model file (the first 8 bytes are not the magic \"LENET5\\r\\n\")");
  auto truncated = [&](size_t needs) {
    return Error("model file is truncated: " + std::to_string(size) + " bytes, the header alone needs " +
                 std::to_string(needs));
  };
  if (size < kFixed + 4 + 4) throw truncated(kFixed + 8);
  Reader r(data + 8, size - 8);
  const uint32_t version = r.u32();
  if (version < 1 || version > kModelFormatVersion)
    throw Error("model file version " + std::to_string(version) + " is not supported (this build reads versions 1 to " +
                std::to_string(kModelFormatVersion) + ")");
  const uint32_t config_bytes = r.u32();
  if (config_bytes != kConfigBytes)
    throw Error("model file: configuration block of " + std::to_string(config_bytes) + " bytes, expected " +
                std::to_string(kConfigBytes));
  // Everything after the header has a known length; check it, then the checksum, before trusting a field.
  auto u32_at = [&](size_t at) {
    return static_cast<uint32_t>(data[at]) | (static_cast<uint32_t>(data[at + 1]) << 8) |
           (static_cast<uint32_t>(data[at + 2]) << 16) | (static_cast<uint32_t>(data[at + 3]) << 24);
  };
  uint32_t flags = 0, name_bytes = 0;
  size_t header = kFixed;
  if (version >= 2) {
    if (size < kFixed + 12) throw truncated(kFixed + 12);
    flags = u32_at(kFixed);
    name_bytes = u32_at(kFixed + 4);
    if (name_bytes > kMaxClasses * (1 + kMaxClassNameBytes))
      throw Error("model file: " + std::to_string(name_bytes) + " bytes of class names is more than 64 names can take");
    header += 8 + name_bytes;
  }
  if (size < header + 4) throw truncated(header + 4);
  const uint32_t count = u32_at(header);
  header += 4;
  const uint64_t width = (flags & kFlagFloat16) ? 2 : 4;
  const uint64_t expected_size = header + width * count + 4;
  if (size < expected_size)
    throw Error("model file is truncated: " + std::to_string(size) + " bytes, but its header promises " +
                std::to_string(count) + " parameters (" + std::to_string(expected_size) + " bytes)");
  if (size > expected_size)
    throw Error("model file has " + std::to_string(size - expected_size) + " unexpected bytes after the checksum");
  if (crc32(data, size - 4) != u32_at(size - 4)) throw Error("model file is corrupt: checksum mismatch");

  ModelContents m;
  m.config = read_config(r, version);
  try {
    validate(m.config);
  } catch (const Error& e) {
    throw Error(std::string("model file: ") + e.what());
  }
  m.frozen = r.u32();
  if (m.frozen >> 7) throw Error("model file: frozen-layer bits name a layer that does not exist");
  m.steps = r.u64();
  if (version >= 2) {
    if (flags & ~kFlagFloat16) throw Error("model file: unknown flags " + std::to_string(flags & ~kFlagFloat16));
    m.float16 = (flags & kFlagFloat16) != 0;
    r.skip(8);  // flags and the names' length, read above
    const uint8_t* names_end = r.pos() + name_bytes;
    while (r.pos() < names_end) {
      const uint8_t length = r.u8();
      if (r.pos() + length > names_end) throw Error("model file: a class name runs past the names");
      m.class_names.emplace_back(reinterpret_cast<const char*>(r.pos()), length);
      r.skip(length);
    }
    if (!m.class_names.empty()) {
      try {
        check_class_names(m.class_names, m.config.classes);
      } catch (const Error& e) {
        throw Error(std::string("model file: ") + e.what());
      }
    }
  }
  r.u32();  // count, read above
  const size_t want = expected_params(m.config);
  if (count != want)
    throw Error("model file holds " + std::to_string(count) + " parameters, but its configuration needs " +
                std::to_string(want));
  m.params.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (m.float16) {
      const uint16_t lo = r.u8();
      m.params[i] = half_to_float(static_cast<uint16_t>(lo | (r.u8() << 8)));
    } else {
      m.params[i] = r.f32();
    }
    if (!std::isfinite(m.params[i]))
      throw Error("model file: parameter " + std::to_string(i) + " is " + (std::isnan(m.params[i]) ? "NaN" : "infinite"));
  }
  return m;
}

}  // namespace lenet
