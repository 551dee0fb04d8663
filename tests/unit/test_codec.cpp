// The signed event blob (dsdn/core/codec.hpp): round trips, the wire layout, determinism, and
// a strict decoder that gives every malformed input its own error.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsdn/core/codec.hpp"

using namespace dsdn::core;

namespace {

// Offsets of the header fields (see the layout at the top of codec.hpp).
constexpr size_t version_at = 4;
constexpr size_t publisher_at = 5;
constexpr size_t epoch_at = 37;
constexpr size_t sequence_at = 45;
constexpr size_t timestamp_at = 53;
constexpr size_t count_at = 61;
constexpr size_t first_event_at = 65;
constexpr size_t sig_size = 64;

identity_key key_of(uint8_t fill) {
  std::array<uint8_t, 32> seed{};
  seed.fill(fill);
  return identity_key::from_seed(seed);
}

double from_bits(uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

blob_header make_header(uint64_t epoch = 7, uint64_t sequence = 42) {
  blob_header h;
  h.epoch = epoch;
  h.sequence = sequence;
  h.timestamp_ms = 1'700'000'000'123;
  return h;
}

// One event of every type, with values that exercise the encoding.
std::vector<event> one_of_each() {
  return {
      node_registered{"node-1", "eu-west-1", "10.0.0.1:7000", std::numeric_limits<uint64_t>::max()},
      node_unregistered{std::string("n\0\xff", 3)},
      zone_assigned{"node-2", "us-east"},
      zone_unassigned{"node-2", "us-east"},
      object_registered{std::string(64, 'c'), (uint64_t{1} << 40) + 3},
      object_removed{"deadbeef"},
      replica_added{"deadbeef", "node-1"},
      replica_marked_missing{"deadbeef", "node-3"},
      replica_healed{"deadbeef", "node-4"},
      scheduler_weights_updated{0x1f, -0.0, from_bits(0x7ff8'0000'0000'1234),
                                std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::denorm_min(), -1.5},
  };
}

// one_of_each plus the edges: empty and max-length strings, signalling NaN, zeros.
std::vector<event> every_event_type() {
  std::vector<event> events = one_of_each();
  const std::string longest(max_string_length, 'x');
  events.push_back(node_registered{"", "", "", 0});
  events.push_back(node_registered{longest, longest, longest, 1});
  events.push_back(object_registered{"", 0});
  events.push_back(replica_healed{longest, ""});
  events.push_back(scheduler_weights_updated{
      0, 0.0, from_bits(0xfff0'0000'0000'0001), -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()});
  events.push_back(scheduler_weights_updated{0x05, 0.25, 0, 0, 0, 0});
  return events;
}

std::string outcome(const decode_result& r) {
  return r.ok() ? "ok" : to_string(r.error().code);
}

void put_le(std::vector<uint8_t>& b, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

void patch_le(std::vector<uint8_t>& b, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    b[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
}

uint64_t read_le(const std::vector<uint8_t>& b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v |= uint64_t{b[at + i]} << (8 * i);
  }
  return v;
}

// A hand-built header, for blobs encode_blob refuses to make.
std::vector<uint8_t> raw_header(const identity_key& key, uint32_t count, uint64_t epoch = 1,
                                uint64_t sequence = 1) {
  std::vector<uint8_t> b = {'D', 'S', 'E', 'B', 1};
  b.insert(b.end(), key.public_key_bytes().begin(), key.public_key_bytes().end());
  put_le(b, epoch, 8);
  put_le(b, sequence, 8);
  put_le(b, 99, 8);
  put_le(b, count, 4);
  return b;
}

void raw_event(std::vector<uint8_t>& b, uint8_t type, const std::vector<uint8_t>& payload) {
  b.push_back(type);
  put_le(b, payload.size(), 4);
  b.insert(b.end(), payload.begin(), payload.end());
}

std::vector<uint8_t> raw_string(size_t claimed_length, size_t actual_length) {
  std::vector<uint8_t> b;
  put_le(b, claimed_length, 2);
  b.insert(b.end(), actual_length, 'q');
  return b;
}

// Appends a valid signature over everything in `b`.
void sign_raw(std::vector<uint8_t>& b, const identity_key& key) {
  const signature sig = key.sign(b.data(), b.size());
  b.insert(b.end(), sig.begin(), sig.end());
}

// Replaces the trailing signature with a valid one over the (patched) bytes before it.
void resign(std::vector<uint8_t>& blob, const identity_key& key) {
  const signature sig = key.sign(blob.data(), blob.size() - sig_size);
  std::copy(sig.begin(), sig.end(), blob.end() - sig_size);
}

}  // namespace

TEST_CASE("encode_blob round-trips every event type") {
  const identity_key key = key_of(1);
  const std::vector<event> events = every_event_type();
  std::set<size_t> types;
  for (const event& e : events) {
    types.insert(e.index());
  }
  REQUIRE(types.size() == std::variant_size_v<event>);

  blob_header header = make_header(std::numeric_limits<uint64_t>::max(), 1);
  header.timestamp_ms = std::numeric_limits<uint64_t>::max();
  header.publisher.fill(0xee);  // replaced by the key's public key
  const std::vector<uint8_t> blob = encode_blob(header, events, key);

  const decode_result r = decode_blob(blob);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->header.publisher == key.public_key_bytes());
  CHECK(r->header.epoch == header.epoch);
  CHECK(r->header.sequence == 1);
  CHECK(r->header.timestamp_ms == header.timestamp_ms);
  REQUIRE(r->events.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CAPTURE(i);
    CHECK(r->events[i] == events[i]);
  }
  // Bitwise: the NaN payload and the sign of zero survive.
  const auto& w = std::get<scheduler_weights_updated>(r->events[9]);
  uint64_t bits = 0;
  std::memcpy(&bits, &w.w_ram, sizeof bits);
  CHECK(bits == 0x7ff8'0000'0000'1234);
  CHECK(std::signbit(w.w_cpu));
}

TEST_CASE("the wire layout is the documented one") {
  const identity_key key = key_of(2);
  const std::vector<event> events = {object_removed{"ab"}, zone_assigned{"n", "z"}};
  const std::vector<uint8_t> blob = encode_blob(make_header(3, 4), events, key);

  const std::vector<uint8_t> expected_events = {
      6, 4, 0, 0, 0, 2, 0, 'a', 'b',          // object_removed{"ab"}
      3, 6, 0, 0, 0, 1, 0, 'n', 1,   0, 'z',  // zone_assigned{"n", "z"}
  };
  REQUIRE(blob.size() == first_event_at + expected_events.size() + sig_size);
  CHECK(std::equal(blob.begin(), blob.begin() + 4, "DSEB"));
  CHECK(blob[version_at] == 1);
  CHECK(std::equal(key.public_key_bytes().begin(), key.public_key_bytes().end(),
                   blob.begin() + publisher_at));
  CHECK(read_le(blob, epoch_at, 8) == 3);
  CHECK(read_le(blob, sequence_at, 8) == 4);
  CHECK(read_le(blob, timestamp_at, 8) == 1'700'000'000'123);
  CHECK(read_le(blob, count_at, 4) == 2);
  CHECK(std::equal(expected_events.begin(), expected_events.end(), blob.begin() + first_event_at));
  signature sig{};
  std::copy(blob.end() - sig_size, blob.end(), sig.begin());
  CHECK(verify_signature(key.public_key_bytes(), blob.data(), blob.size() - sig_size, sig));
}

TEST_CASE("encode_event_payload follows the struct field order") {
  std::vector<uint8_t> out = {0xaa};  // appends, keeps what is there
  encode_event_payload(node_registered{"ab", "z", "h:1", 0x0102030405060708}, out);
  CHECK(out == std::vector<uint8_t>{0xaa, 2,   0, 'a', 'b', 1, 0, 'z', 3, 0, 'h',
                                    ':',  '1', 8, 7,   6,   5, 4, 3,   2, 1});

  out.clear();
  encode_event_payload(scheduler_weights_updated{0x05, 1.0, -0.0, 0, 0, 0}, out);
  std::vector<uint8_t> expected = {0x05, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80};
  expected.resize(1 + 5 * 8, 0);
  CHECK(out == expected);
}

TEST_CASE("encoding is deterministic") {
  const std::vector<event> events = every_event_type();
  const std::vector<uint8_t> a = encode_blob(make_header(), events, key_of(1));
  const std::vector<uint8_t> b = encode_blob(make_header(), events, key_of(1));
  CHECK(a == b);
  const identity_key copy = key_of(1);
  CHECK(encode_blob(make_header(), every_event_type(), copy) == a);
  CHECK(encode_blob(make_header(), events, key_of(2)) != a);
  CHECK(encode_blob(make_header(7, 43), events, key_of(1)) != a);
}

TEST_CASE("decode rejects a bad magic or version") {
  const std::vector<uint8_t> good = encode_blob(make_header(), one_of_each(), key_of(1));
  for (size_t i = 0; i < 4; ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x20;
    CHECK(outcome(decode_blob(bad)) == "bad_magic");
  }
  const std::vector<uint8_t> short_wrong = {'D', 'X'};
  CHECK(outcome(decode_blob(short_wrong)) == "bad_magic");

  for (uint8_t version : {0, 2, 255}) {
    std::vector<uint8_t> bad = good;
    bad[version_at] = version;
    resign(bad, key_of(1));
    const decode_result r = decode_blob(bad);
    CHECK(outcome(r) == "bad_version");
  }
  std::vector<uint8_t> v2 = good;
  v2[version_at] = 2;
  CHECK(decode_blob(v2).error().message == "unsupported blob version 2, expected 1");
}

TEST_CASE("every truncation of a valid blob is rejected") {
  const std::vector<uint8_t> good = encode_blob(make_header(), one_of_each(), key_of(1));
  REQUIRE(decode_blob(good).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    const decode_result r = decode_blob(good.data(), n);
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.error().message.empty());
    const std::string code = outcome(r);
    if (n < first_event_at || n >= good.size() - sig_size) {
      CHECK(code == "truncated");
    } else {
      // Cut inside an event, either the input ends inside its type or length, or the
      // payload_length overshoots what is left.
      CHECK((code == "truncated" || code == "oversize_length"));
    }
  }
  CHECK(outcome(decode_blob(nullptr, 0)) == "truncated");
  CHECK(decode_blob(good.data(), good.size() - 12).error().message ==
        "expected 64 signature bytes, 52 remain");
}

TEST_CASE("bytes after the signature are refused") {
  std::vector<uint8_t> blob = encode_blob(make_header(), one_of_each(), key_of(1));
  blob.push_back(0);
  const decode_result r = decode_blob(blob);
  CHECK(outcome(r) == "trailing_bytes");
  CHECK(r.error().message == "expected 64 signature bytes, 65 remain");

  // event_count claiming fewer events than are there leaves the rest as trailing bytes.
  std::vector<uint8_t> fewer = encode_blob(make_header(), one_of_each(), key_of(1));
  patch_le(fewer, count_at, 9, 4);
  resign(fewer, key_of(1));
  CHECK(outcome(decode_blob(fewer)) == "trailing_bytes");
}

TEST_CASE("string lengths are bounded by the limit and by the payload") {
  const identity_key key = key_of(1);

  std::vector<uint8_t> over_limit = raw_header(key, 1);
  raw_event(over_limit, 2, raw_string(max_string_length + 1, max_string_length + 1));
  sign_raw(over_limit, key);
  decode_result r = decode_blob(over_limit);
  CHECK(outcome(r) == "oversize_length");
  CHECK(r.error().message ==
        "event 0 (node_unregistered): field 'node_id' string length 1025 exceeds limit 1024");

  std::vector<uint8_t> at_limit = raw_header(key, 1);
  raw_event(at_limit, 2, raw_string(max_string_length, max_string_length));
  sign_raw(at_limit, key);
  REQUIRE(decode_blob(at_limit).ok());
  CHECK(std::get<node_unregistered>(decode_blob(at_limit)->events[0]).node_id.size() ==
        max_string_length);

  std::vector<uint8_t> past_payload = raw_header(key, 1);
  raw_event(past_payload, 2, raw_string(10, 3));
  sign_raw(past_payload, key);
  r = decode_blob(past_payload);
  CHECK(outcome(r) == "oversize_length");
  CHECK(r.error().message ==
        "event 0 (node_unregistered): field 'node_id' string length 10 exceeds the 3 payload "
        "bytes remaining");

  std::vector<uint8_t> max_u16 = raw_header(key, 1);
  raw_event(max_u16, 6, raw_string(0xffff, 0));
  sign_raw(max_u16, key);
  CHECK(outcome(decode_blob(max_u16)) == "oversize_length");
}

TEST_CASE("payload lengths are bounded by the input") {
  const identity_key key = key_of(1);
  for (uint32_t claimed : {uint32_t{1000}, std::numeric_limits<uint32_t>::max()}) {
    std::vector<uint8_t> b = raw_header(key, 1);
    b.push_back(6);
    put_le(b, claimed, 4);
    const std::vector<uint8_t> payload = raw_string(2, 2);
    b.insert(b.end(), payload.begin(), payload.end());
    sign_raw(b, key);
    const decode_result r = decode_blob(b);
    CHECK(outcome(r) == "oversize_length");
    CHECK(r.error().message == "event 0 (object_removed): payload_length " +
                                   std::to_string(claimed) + " exceeds the 68 bytes remaining");
  }
}

TEST_CASE("an event's fields must fill its payload exactly") {
  const identity_key key = key_of(1);

  std::vector<uint8_t> extra = raw_string(1, 1);
  const std::vector<uint8_t> zone = raw_string(2, 2);
  extra.insert(extra.end(), zone.begin(), zone.end());
  extra.push_back(0);
  std::vector<uint8_t> b = raw_header(key, 1);
  raw_event(b, 3, extra);
  sign_raw(b, key);
  decode_result r = decode_blob(b);
  CHECK(outcome(r) == "trailing_bytes");
  CHECK(r.error().message ==
        "event 0 (zone_assigned): payload_length 8 but its fields use 7 bytes (1 trailing)");

  std::vector<uint8_t> short_payload = raw_string(1, 1);
  put_le(short_payload, 5, 4);  // half of object_registered.size
  b = raw_header(key, 1);
  raw_event(b, 5, short_payload);
  sign_raw(b, key);
  r = decode_blob(b);
  CHECK(outcome(r) == "truncated");
  CHECK(r.error().message ==
        "event 0 (object_registered): payload ends inside field 'size': need 8 bytes, 4 remain");

  b = raw_header(key, 1);
  raw_event(b, 10, std::vector<uint8_t>(40, 0));  // present + 4 of 5 weights
  sign_raw(b, key);
  CHECK(outcome(decode_blob(b)) == "truncated");

  b = raw_header(key, 1);
  raw_event(b, 1, {});
  sign_raw(b, key);
  CHECK(outcome(decode_blob(b)) == "truncated");
}

TEST_CASE("event_count must be 1 .. max_events_per_blob") {
  const identity_key key = key_of(1);
  for (uint32_t count :
       {uint32_t{0}, max_events_per_blob + 1, std::numeric_limits<uint32_t>::max()}) {
    CAPTURE(count);
    std::vector<uint8_t> b = encode_blob(make_header(), one_of_each(), key);
    patch_le(b, count_at, count, 4);
    resign(b, key);
    const decode_result r = decode_blob(b);
    CHECK(outcome(r) == "oversize_count");
    CHECK(r.error().message == "event_count " + std::to_string(count) + " is outside 1..65536");
  }
  // A huge claimed count over a small input fails on the input, not on an allocation.
  std::vector<uint8_t> b = encode_blob(make_header(), one_of_each(), key);
  patch_le(b, count_at, max_events_per_blob, 4);
  CHECK_FALSE(decode_blob(b).ok());
}

TEST_CASE("unknown event types are refused") {
  const identity_key key = key_of(1);
  for (uint8_t type : {0, 11, 200, 255}) {
    CAPTURE(type);
    std::vector<uint8_t> b = encode_blob(make_header(), {object_removed{"ab"}}, key);
    b[first_event_at] = type;
    resign(b, key);
    const decode_result r = decode_blob(b);
    CHECK(outcome(r) == "unknown_event_type");
    CHECK(r.error().message ==
          "event 0: unknown event type " + std::to_string(type) + " (known: 1..10)");
  }
}

TEST_CASE("header fields: epoch and sequence start at 1") {
  const identity_key key = key_of(1);
  std::vector<uint8_t> b = encode_blob(make_header(), one_of_each(), key);
  patch_le(b, epoch_at, 0, 8);
  resign(b, key);
  decode_result r = decode_blob(b);
  CHECK(outcome(r) == "bad_field");
  CHECK(r.error().message == "header field 'epoch' is 0, must be >= 1");

  b = encode_blob(make_header(), one_of_each(), key);
  patch_le(b, sequence_at, 0, 8);
  resign(b, key);
  r = decode_blob(b);
  CHECK(outcome(r) == "bad_field");
  CHECK(r.error().message == "header field 'sequence' is 0, must be >= 1");

  blob_header zero_time = make_header();
  zero_time.timestamp_ms = 0;
  CHECK(decode_blob(encode_blob(zero_time, one_of_each(), key)).ok());
}

TEST_CASE("scheduler_weights_updated.present allows only bits 0..4") {
  const identity_key key = key_of(1);
  for (uint8_t present : {0x20, 0x80, 0xff}) {
    CAPTURE(present);
    std::vector<uint8_t> payload(41, 0);
    payload[0] = present;
    std::vector<uint8_t> b = raw_header(key, 1);
    raw_event(b, 10, payload);
    sign_raw(b, key);
    const decode_result r = decode_blob(b);
    CHECK(outcome(r) == "bad_field");
    CHECK(r.error().message == "event 0 (scheduler_weights_updated): field 'present' is 0x" +
                                   to_hex(&present, 1) + ", only bits 0x1f may be set");
  }
}

TEST_CASE("blobs beyond max_blob_size are refused before anything else") {
  std::vector<uint8_t> big = encode_blob(make_header(), one_of_each(), key_of(1));
  big.resize(max_blob_size + 1, 0);
  decode_result r = decode_blob(big);
  CHECK(outcome(r) == "oversize_blob");
  CHECK(r.error().message == "blob is 2097153 bytes, limit 2097152");
  big[0] = 'X';
  CHECK(outcome(decode_blob(big)) == "oversize_blob");
  big[0] = 'D';
  big.resize(max_blob_size);  // at the limit: decoded, and refused for its padding
  CHECK(outcome(decode_blob(big)) == "trailing_bytes");
}

TEST_CASE("a flipped bit anywhere is rejected") {
  const identity_key key = key_of(1);
  const std::vector<uint8_t> good = encode_blob(make_header(), one_of_each(), key);
  REQUIRE(decode_blob(good).ok());
  const size_t signed_size = good.size() - sig_size;
  size_t bad_signature = 0;
  std::vector<uint8_t> b = good;
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
    b[bit / 8] ^= mask;
    const decode_result r = decode_blob(b);
    b[bit / 8] ^= mask;
    CAPTURE(bit);
    REQUIRE_FALSE(r.ok());
    if (bit / 8 >= signed_size) {
      CHECK(outcome(r) == "bad_signature");
    }
    bad_signature += r.error().code == codec_error::bad_signature;
  }
  // Flips in strings and doubles leave the structure intact: only the signature catches them.
  CHECK(bad_signature > signed_size);
}

TEST_CASE("a blob signed by another key is a forgery") {
  const identity_key publisher = key_of(1);
  const identity_key forger = key_of(2);
  std::vector<uint8_t> b = encode_blob(make_header(), one_of_each(), forger);
  std::copy(publisher.public_key_bytes().begin(), publisher.public_key_bytes().end(),
            b.begin() + publisher_at);
  resign(b, forger);
  decode_result r = decode_blob(b);
  CHECK(outcome(r) == "bad_signature");
  CHECK(r.error().message == "Ed25519 signature does not verify under publisher " +
                                 to_hex(publisher.public_key_bytes()));
  CHECK(outcome(
            decode_blob(b.data(), b.size(), trusted_publishers({publisher.public_key_bytes()}))) ==
        "bad_signature");
}

TEST_CASE("trusted_publishers is a sorted set") {
  const public_key a = key_of(1).public_key_bytes();
  const public_key b = key_of(2).public_key_bytes();
  const public_key c = key_of(3).public_key_bytes();
  trusted_publishers t({c, a, c, b, a});
  REQUIRE(t.keys().size() == 3);
  CHECK(std::is_sorted(t.keys().begin(), t.keys().end()));
  CHECK(t.contains(a));
  CHECK(t.contains(b));
  CHECK(t.contains(c));
  CHECK_FALSE(t.contains(key_of(4).public_key_bytes()));

  trusted_publishers u;
  CHECK_FALSE(u.contains(a));
  u.add(c);
  u.add(a);
  u.add(c);
  u.add(b);
  CHECK(u.keys() == t.keys());
}

TEST_CASE("the trusted overload refuses unknown publishers first") {
  const identity_key me = key_of(1);
  const identity_key stranger = key_of(2);
  const std::vector<uint8_t> mine = encode_blob(make_header(), one_of_each(), me);
  const std::vector<uint8_t> theirs = encode_blob(make_header(), one_of_each(), stranger);
  const trusted_publishers trusted({me.public_key_bytes()});

  CHECK(outcome(decode_blob(mine.data(), mine.size(), trusted)) == "ok");
  const decode_result r = decode_blob(theirs.data(), theirs.size(), trusted);
  CHECK(outcome(r) == "untrusted_publisher");
  CHECK(r.error().message ==
        "publisher " + to_hex(stranger.public_key_bytes()) + " is not trusted");
  CHECK(outcome(decode_blob(theirs)) == "ok");  // the plain overload only checks the signature
  CHECK(outcome(decode_blob(mine.data(), mine.size(), trusted_publishers())) ==
        "untrusted_publisher");

  // The publisher is checked before the events are parsed.
  std::vector<uint8_t> broken = theirs;
  broken[first_event_at] = 99;
  CHECK(outcome(decode_blob(broken.data(), broken.size(), trusted)) == "untrusted_publisher");
  // ... but after the header, whose errors come first.
  std::vector<uint8_t> bad_header = theirs;
  patch_le(bad_header, epoch_at, 0, 8);
  CHECK(outcome(decode_blob(bad_header.data(), bad_header.size(), trusted)) == "bad_field");
}

TEST_CASE("a blob of max_events_per_blob events round-trips") {
  const identity_key key = key_of(1);
  std::vector<event> events;
  events.reserve(max_events_per_blob);
  for (uint32_t i = 0; i < max_events_per_blob; ++i) {
    events.push_back(node_unregistered{"n" + std::to_string(i % 1000)});
  }
  const std::vector<uint8_t> blob = encode_blob(make_header(), events, key);
  const decode_result r = decode_blob(blob);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->events == events);

  events.push_back(node_unregistered{"one too many"});
  CHECK_THROWS_AS(encode_blob(make_header(), events, key), std::invalid_argument);
}

TEST_CASE("encode_blob refuses what decode_blob would refuse") {
  const identity_key key = key_of(1);
  CHECK_THROWS_AS(encode_blob(make_header(), {}, key), std::invalid_argument);
  CHECK_THROWS_AS(encode_blob(make_header(0, 1), one_of_each(), key), std::invalid_argument);
  CHECK_THROWS_AS(encode_blob(make_header(1, 0), one_of_each(), key), std::invalid_argument);
  const std::string too_long(max_string_length + 1, 'x');
  CHECK_THROWS_WITH_AS(encode_blob(make_header(), {zone_assigned{"n", too_long}}, key),
                       "event 0 (zone_assigned): field 'zone' is 1025 bytes, limit 1024",
                       std::invalid_argument);
  CHECK_THROWS_AS(encode_blob(make_header(), {scheduler_weights_updated{0x20, 0, 0, 0, 0, 0}}, key),
                  std::invalid_argument);
  std::vector<uint8_t> out;
  CHECK_THROWS_AS(encode_event_payload(object_removed{too_long}, out), std::invalid_argument);
  CHECK(out.empty());

  // 2048 events of 1030+ bytes each: over max_blob_size.
  const std::vector<event> big(2048, object_removed{std::string(max_string_length, 'h')});
  CHECK_THROWS_AS(encode_blob(make_header(), big, key), std::invalid_argument);
}

TEST_CASE("event equality compares doubles bitwise") {
  const scheduler_weights_updated a{0x01, 0.0, 0, 0, 0, 0};
  scheduler_weights_updated b = a;
  CHECK(a == b);
  b.w_cpu = -0.0;
  CHECK_FALSE(a == b);
  const double nan1 = from_bits(0x7ff8'0000'0000'0001);
  const double nan2 = from_bits(0x7ff8'0000'0000'0002);
  CHECK(scheduler_weights_updated{0, nan1, 0, 0, 0, 0} ==
        scheduler_weights_updated{0, nan1, 0, 0, 0, 0});
  CHECK_FALSE(scheduler_weights_updated{0, nan1, 0, 0, 0, 0} ==
              scheduler_weights_updated{0, nan2, 0, 0, 0, 0});
  CHECK_FALSE(scheduler_weights_updated{0x01, 0, 0, 0, 0, 0} ==
              scheduler_weights_updated{0x02, 0, 0, 0, 0, 0});
  CHECK(node_registered{"a", "b", "c", 1} == node_registered{"a", "b", "c", 1});
  CHECK_FALSE(node_registered{"a", "b", "c", 1} == node_registered{"a", "b", "c", 2});
  CHECK_FALSE(event(replica_added{"h", "n"}) == event(replica_healed{"h", "n"}));
}

TEST_CASE("names of event types and codec errors") {
  CHECK(std::string(to_string(event_type::node_registered)) == "node_registered");
  CHECK(std::string(to_string(event_type::scheduler_weights_updated)) ==
        "scheduler_weights_updated");
  CHECK(std::string(to_string(static_cast<event_type>(77))) == "unknown");
  CHECK(std::string(to_string(codec_error::bad_magic)) == "bad_magic");
  CHECK(std::string(to_string(codec_error::untrusted_publisher)) == "untrusted_publisher");
  for (const event& e : one_of_each()) {
    CHECK(std::string(to_string(type_of(e))) != "unknown");
  }
}
