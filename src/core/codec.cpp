#include "dsdn/core/codec.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace dsdn::core {
namespace {

static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == sizeof(uint64_t),
              "doubles travel as their IEEE-754 bits");
static_assert(max_string_length <= std::numeric_limits<uint16_t>::max());

constexpr size_t magic_size = sizeof(blob_magic);
constexpr size_t publisher_offset = magic_size + 1;
constexpr size_t header_size = publisher_offset + 32 + 8 + 8 + 8 + 4;
constexpr size_t event_prefix_size = 1 + 4;
constexpr size_t signature_size = std::tuple_size_v<signature>;
// The smallest event on the wire (type, payload_length, one empty string): bounds how many
// events the remaining input can hold, and so what the decoder may reserve.
constexpr size_t min_event_size = event_prefix_size + 2;
constexpr uint8_t weight_bits = 0x1f;
constexpr size_t event_type_count = std::variant_size_v<event>;

// Calls f(name, field) for every wire field of an event, in wire order. Sizing, encoding and
// decoding all go through this one table, so they cannot disagree.
template <class E, class F>
void for_each_field(E& e, F&& f) {
  using T = std::remove_const_t<E>;
  if constexpr (std::is_same_v<T, node_registered>) {
    f("node_id", e.node_id);
    f("zone", e.zone);
    f("addr", e.addr);
    f("capacity_gb", e.capacity_gb);
  } else if constexpr (std::is_same_v<T, node_unregistered>) {
    f("node_id", e.node_id);
  } else if constexpr (std::is_same_v<T, zone_assigned> || std::is_same_v<T, zone_unassigned>) {
    f("node_id", e.node_id);
    f("zone", e.zone);
  } else if constexpr (std::is_same_v<T, object_registered>) {
    f("hash", e.hash);
    f("size", e.size);
  } else if constexpr (std::is_same_v<T, object_removed>) {
    f("hash", e.hash);
  } else if constexpr (std::is_same_v<T, replica_added> ||
                       std::is_same_v<T, replica_marked_missing> ||
                       std::is_same_v<T, replica_healed>) {
    f("hash", e.hash);
    f("node_id", e.node_id);
  } else {
    static_assert(std::is_same_v<T, scheduler_weights_updated>,
                  "every event alternative needs its wire fields listed");
    f("present", e.present);
    f("w_cpu", e.w_cpu);
    f("w_ram", e.w_ram);
    f("w_gpu", e.w_gpu);
    f("w_latency", e.w_latency);
    f("w_io", e.w_io);
  }
}

template <class V>
size_t field_size(const V& v) {
  if constexpr (std::is_same_v<V, std::string>) {
    return 2 + v.size();
  } else {
    static_assert(std::is_same_v<V, uint8_t> || std::is_same_v<V, uint64_t> ||
                  std::is_same_v<V, double>);
    return sizeof(V);
  }
}

// --- encoding ---------------------------------------------------------------------------

constexpr size_t no_index = static_cast<size_t>(-1);

std::string event_label(size_t index, event_type t) {
  if (index == no_index) {
    return to_string(t);
  }
  return "event " + std::to_string(index) + " (" + to_string(t) + ")";
}

// The payload size of `e`; throws std::invalid_argument for an event the decoder would refuse.
size_t checked_payload_size(const event& e, size_t index) {
  return std::visit(
      [&](const auto& ev) {
        size_t n = 0;
        for_each_field(ev, [&](const char* name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) {
            if (v.size() > max_string_length) {
              throw std::invalid_argument(event_label(index, type_of(e)) + ": field '" + name +
                                          "' is " + std::to_string(v.size()) + " bytes, limit " +
                                          std::to_string(max_string_length));
            }
          }
          n += field_size(v);
        });
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, scheduler_weights_updated>) {
          if ((ev.present & ~weight_bits) != 0) {
            throw std::invalid_argument(event_label(index, type_of(e)) + ": field 'present' is 0x" +
                                        to_hex(&ev.present, 1) + ", only bits 0x1f may be set");
          }
        }
        return n;
      },
      e);
}

// Writes into memory sized beforehand; the shifts compile to plain little-endian stores.
class writer {
 public:
  explicit writer(uint8_t* p) : p_(p) {}

  uint8_t* pos() const { return p_; }
  void u8(uint8_t v) { *p_++ = v; }
  void u16(uint16_t v) { put_le(v, 2); }
  void u32(uint32_t v) { put_le(v, 4); }
  void u64(uint64_t v) { put_le(v, 8); }
  void bytes(const uint8_t* data, size_t n) {
    if (n != 0) {
      std::memcpy(p_, data, n);
    }
    p_ += n;
  }

  void field(const std::string& s) {
    u16(static_cast<uint16_t>(s.size()));
    bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  void field(uint8_t v) { u8(v); }
  void field(uint64_t v) { u64(v); }
  void field(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }

 private:
  void put_le(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      p_[i] = static_cast<uint8_t>(v >> (8 * i));
    }
    p_ += n;
  }

  uint8_t* p_;
};

void write_payload(writer& w, const event& e) {
  std::visit(
      [&](const auto& ev) { for_each_field(ev, [&](const char*, const auto& v) { w.field(v); }); },
      e);
}

// --- decoding ---------------------------------------------------------------------------

uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  }
  return v;
}

// A window of the input: the whole blob, or one event's payload.
struct cursor {
  const uint8_t* begin;
  const uint8_t* p;
  const uint8_t* end;
  size_t left() const { return static_cast<size_t>(end - p); }
};

class decoder {
 public:
  decoder(const uint8_t* data, size_t size) : in_{data, data, data + size} {}

  decode_result run(const trusted_publishers* trusted) {
    event_blob blob;
    uint32_t count = 0;
    if (!read_header(blob.header, count)) {
      return std::move(err_);
    }
    if (trusted != nullptr && !trusted->contains(blob.header.publisher)) {
      return failure<codec_error>{codec_error::untrusted_publisher,
                                  "publisher " + to_hex(blob.header.publisher) + " is not trusted"};
    }
    // Every event needs at least min_event_size bytes, so this stays proportional to the
    // input whatever event_count claims.
    blob.events.reserve(std::min<size_t>(count, in_.left() / min_event_size));
    for (uint32_t i = 0; i < count; ++i) {
      if (!read_event(i, blob.events)) {
        return std::move(err_);
      }
    }
    if (in_.left() != signature_size) {
      return failure<codec_error>{
          in_.left() < signature_size ? codec_error::truncated : codec_error::trailing_bytes,
          "expected " + std::to_string(signature_size) + " signature bytes, " +
              std::to_string(in_.left()) + " remain"};
    }
    signature sig{};
    std::memcpy(sig.data(), in_.p, sig.size());
    if (!verify_signature(blob.header.publisher, in_.begin, offset(), sig)) {
      return failure<codec_error>{
          codec_error::bad_signature,
          "Ed25519 signature does not verify under publisher " + to_hex(blob.header.publisher)};
    }
    return decode_result(std::move(blob));
  }

 private:
  using payload_decoder = bool (*)(decoder&, cursor&, std::vector<event>&);

  // Records the first failure; returns false so callers can `return fail(...)`.
  bool fail(codec_error code, std::string message) {
    err_ = failure<codec_error>{code, std::move(message)};
    return false;
  }

  // "event 3 (zone_assigned): ", the prefix of every message about the current event.
  std::string where() const { return event_label(index_, type_) + ": "; }

  bool read_field(cursor& c, const char* name, std::string& s) {
    if (!need_in_payload(c, 2, name)) {
      return false;
    }
    const size_t len = load_le(c.p, 2);
    c.p += 2;
    if (len > max_string_length) {
      return fail(codec_error::oversize_length, where() + "field '" + name + "' string length " +
                                                    std::to_string(len) + " exceeds limit " +
                                                    std::to_string(max_string_length));
    }
    if (len > c.left()) {
      return fail(codec_error::oversize_length,
                  where() + "field '" + name + "' string length " + std::to_string(len) +
                      " exceeds the " + std::to_string(c.left()) + " payload bytes remaining");
    }
    s.assign(reinterpret_cast<const char*>(c.p), len);
    c.p += len;
    return true;
  }

  bool read_field(cursor& c, const char* name, uint8_t& v) {
    if (!need_in_payload(c, 1, name)) {
      return false;
    }
    v = *c.p++;
    return true;
  }

  bool read_field(cursor& c, const char* name, uint64_t& v) {
    if (!need_in_payload(c, 8, name)) {
      return false;
    }
    v = load_le(c.p, 8);
    c.p += 8;
    return true;
  }

  bool read_field(cursor& c, const char* name, double& v) {
    uint64_t bits = 0;
    if (!read_field(c, name, bits)) {
      return false;
    }
    std::memcpy(&v, &bits, sizeof v);
    return true;
  }

  template <class T>
  static bool decode_as(decoder& d, cursor& c, std::vector<event>& out) {
    T& ev = std::get<T>(out.emplace_back(std::in_place_type<T>));
    bool ok = true;
    for_each_field(ev, [&](const char* name, auto& v) { ok = ok && d.read_field(c, name, v); });
    if (!ok) {
      return false;
    }
    if (c.left() != 0) {
      return d.fail(codec_error::trailing_bytes,
                    d.where() + "payload_length " + std::to_string(c.end - c.begin) +
                        " but its fields use " + std::to_string(c.p - c.begin) + " bytes (" +
                        std::to_string(c.left()) + " trailing)");
    }
    if constexpr (std::is_same_v<T, scheduler_weights_updated>) {
      if ((ev.present & ~weight_bits) != 0) {
        return d.fail(codec_error::bad_field, d.where() + "field 'present' is 0x" +
                                                  to_hex(&ev.present, 1) +
                                                  ", only bits 0x1f may be set");
      }
    }
    return true;
  }

  template <size_t... I>
  static constexpr std::array<payload_decoder, sizeof...(I)> make_decoders(
      std::index_sequence<I...>) {
    return {&decode_as<std::variant_alternative_t<I, event>>...};
  }

  size_t offset() const { return static_cast<size_t>(in_.p - in_.begin); }

  bool need_in_header(size_t n, const char* field) {
    if (in_.left() >= n) {
      return true;
    }
    return fail(codec_error::truncated, "input ends inside header field '" + std::string(field) +
                                            "' at offset " + std::to_string(offset()) + ": need " +
                                            std::to_string(n) + " bytes, " +
                                            std::to_string(in_.left()) + " remain");
  }

  bool need_in_payload(const cursor& c, size_t n, const char* field) {
    if (c.left() >= n) {
      return true;
    }
    return fail(codec_error::truncated, where() + "payload ends inside field '" + field +
                                            "': need " + std::to_string(n) + " bytes, " +
                                            std::to_string(c.left()) + " remain");
  }

  bool read_header(blob_header& h, uint32_t& count) {
    const size_t have = std::min(in_.left(), magic_size);
    if (std::memcmp(in_.p, blob_magic, have) != 0) {
      return fail(codec_error::bad_magic, "bad magic " + to_hex(in_.p, have) + ", expected " +
                                              to_hex(blob_magic, magic_size) + " (\"DSEB\")");
    }
    if (!need_in_header(magic_size, "magic")) {
      return false;
    }
    in_.p += magic_size;

    if (!need_in_header(1, "version")) {
      return false;
    }
    const uint8_t version = *in_.p++;
    if (version != blob_version) {
      return fail(codec_error::bad_version, "unsupported blob version " + std::to_string(version) +
                                                ", expected " + std::to_string(blob_version));
    }

    if (!need_in_header(h.publisher.size(), "publisher")) {
      return false;
    }
    std::memcpy(h.publisher.data(), in_.p, h.publisher.size());
    in_.p += h.publisher.size();

    if (!read_header_u64("epoch", h.epoch) || !read_header_u64("sequence", h.sequence) ||
        !read_header_u64("timestamp_ms", h.timestamp_ms)) {
      return false;
    }
    if (!need_in_header(4, "event_count")) {
      return false;
    }
    count = static_cast<uint32_t>(load_le(in_.p, 4));
    in_.p += 4;
    assert(offset() == header_size);

    if (h.epoch == 0) {
      return fail(codec_error::bad_field, "header field 'epoch' is 0, must be >= 1");
    }
    if (h.sequence == 0) {
      return fail(codec_error::bad_field, "header field 'sequence' is 0, must be >= 1");
    }
    if (count == 0 || count > max_events_per_blob) {
      return fail(codec_error::oversize_count, "event_count " + std::to_string(count) +
                                                   " is outside 1.." +
                                                   std::to_string(max_events_per_blob));
    }
    return true;
  }

  bool read_header_u64(const char* field, uint64_t& v) {
    if (!need_in_header(8, field)) {
      return false;
    }
    v = load_le(in_.p, 8);
    in_.p += 8;
    return true;
  }

  bool read_event(uint32_t index, std::vector<event>& out) {
    index_ = index;
    if (in_.left() < 1) {
      return fail(codec_error::truncated,
                  "event " + std::to_string(index) + ": input ends before the type byte");
    }
    const uint8_t type = *in_.p++;
    if (type == 0 || type > event_type_count) {
      return fail(codec_error::unknown_event_type, "event " + std::to_string(index) +
                                                       ": unknown event type " +
                                                       std::to_string(type) + " (known: 1.." +
                                                       std::to_string(event_type_count) + ")");
    }
    type_ = static_cast<event_type>(type);
    if (in_.left() < 4) {
      return fail(codec_error::truncated, where() + "input ends inside payload_length: need 4 " +
                                              "bytes, " + std::to_string(in_.left()) + " remain");
    }
    const size_t length = load_le(in_.p, 4);
    in_.p += 4;
    if (length > in_.left()) {
      return fail(codec_error::oversize_length,
                  where() + "payload_length " + std::to_string(length) + " exceeds the " +
                      std::to_string(in_.left()) + " bytes remaining");
    }
    cursor payload{in_.p, in_.p, in_.p + length};
    in_.p += length;
    // Indexed by type - 1: the variant index + 1 is the wire type by definition.
    static constexpr std::array<payload_decoder, event_type_count> decoders =
        make_decoders(std::make_index_sequence<event_type_count>{});
    return decoders[type - 1](*this, payload, out);
  }

  cursor in_;
  failure<codec_error> err_{codec_error::truncated, {}};
  size_t index_ = 0;
  event_type type_ = event_type::node_registered;
};

decode_result decode(const uint8_t* data, size_t size, const trusted_publishers* trusted) {
  if (size > max_blob_size) {
    return failure<codec_error>{
        codec_error::oversize_blob,
        "blob is " + std::to_string(size) + " bytes, limit " + std::to_string(max_blob_size)};
  }
  // memcmp and friends want a valid pointer even for zero bytes.
  static const uint8_t empty = 0;
  return decoder(size == 0 ? &empty : data, size).run(trusted);
}

}  // namespace

const char* to_string(codec_error e) {
  switch (e) {
    case codec_error::bad_magic:
      return "bad_magic";
    case codec_error::bad_version:
      return "bad_version";
    case codec_error::truncated:
      return "truncated";
    case codec_error::trailing_bytes:
      return "trailing_bytes";
    case codec_error::oversize_blob:
      return "oversize_blob";
    case codec_error::oversize_length:
      return "oversize_length";
    case codec_error::oversize_count:
      return "oversize_count";
    case codec_error::unknown_event_type:
      return "unknown_event_type";
    case codec_error::bad_field:
      return "bad_field";
    case codec_error::bad_signature:
      return "bad_signature";
    case codec_error::untrusted_publisher:
      return "untrusted_publisher";
  }
  return "unknown";
}

trusted_publishers::trusted_publishers(std::vector<public_key> keys) : keys_(std::move(keys)) {
  std::sort(keys_.begin(), keys_.end());
  keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
}

void trusted_publishers::add(const public_key& key) {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (it == keys_.end() || *it != key) {
    keys_.insert(it, key);
  }
}

bool trusted_publishers::contains(const public_key& key) const {
  return std::binary_search(keys_.begin(), keys_.end(), key);
}

std::vector<uint8_t> encode_blob(const blob_header& header, const std::vector<event>& events,
                                 const identity_key& key) {
  if (events.empty() || events.size() > max_events_per_blob) {
    throw std::invalid_argument("encode_blob: " + std::to_string(events.size()) +
                                " events, must be 1.." + std::to_string(max_events_per_blob));
  }
  if (header.epoch == 0 || header.sequence == 0) {
    throw std::invalid_argument("encode_blob: epoch and sequence must be >= 1");
  }
  size_t total = header_size + signature_size;
  for (size_t i = 0; i < events.size(); ++i) {
    total += event_prefix_size + checked_payload_size(events[i], i);
  }
  if (total > max_blob_size) {
    throw std::invalid_argument("encode_blob: blob would be " + std::to_string(total) +
                                " bytes, limit " + std::to_string(max_blob_size));
  }

  std::vector<uint8_t> out(total);
  writer w(out.data());
  w.bytes(blob_magic, magic_size);
  w.u8(blob_version);
  w.bytes(key.public_key_bytes().data(), key.public_key_bytes().size());
  w.u64(header.epoch);
  w.u64(header.sequence);
  w.u64(header.timestamp_ms);
  w.u32(static_cast<uint32_t>(events.size()));
  for (const event& e : events) {
    w.u8(static_cast<uint8_t>(type_of(e)));
    // Back-patch the length once the payload is written, instead of sizing it twice.
    writer length_at(w.pos());
    w.u32(0);
    const uint8_t* payload_begin = w.pos();
    write_payload(w, e);
    length_at.u32(static_cast<uint32_t>(w.pos() - payload_begin));
  }
  const size_t signed_size = static_cast<size_t>(w.pos() - out.data());
  assert(signed_size + signature_size == total);
  const signature sig = key.sign(out.data(), signed_size);
  w.bytes(sig.data(), sig.size());
  return out;
}

decode_result decode_blob(const uint8_t* data, size_t size) {
  return decode(data, size, nullptr);
}

decode_result decode_blob(const uint8_t* data, size_t size, const trusted_publishers& trusted) {
  return decode(data, size, &trusted);
}

void encode_event_payload(const event& e, std::vector<uint8_t>& out) {
  const size_t size = checked_payload_size(e, no_index);
  const size_t old_size = out.size();
  out.resize(old_size + size);
  writer w(out.data() + old_size);
  write_payload(w, e);
}

}  // namespace dsdn::core
