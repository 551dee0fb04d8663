// Celestia namespaces (dsdn/da/namespace.hpp) against NAMESPACE.md and
// vectors/namespace_cases.json.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/da/namespace.hpp"

using namespace dsdn::da;

namespace {

// The error text of a failed result, "" otherwise. doctest evaluates _MESSAGE arguments even
// for passing assertions (with -s), so they must not call error() on a success.
template <class R>
std::string why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

nlohmann::json load_vectors(const std::string& name) {
  const std::string path = std::string(DSDN_SPECS_DIR) + "/celestia/vectors/" + name;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return nlohmann::json::parse(in);
}

std::vector<uint8_t> unhex(std::string_view hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  REQUIRE(dsdn::core::from_hex(hex, out.data(), out.size()));
  return out;
}

celestia_namespace ns_of_hex(std::string_view hex) {
  auto ns = parse_namespace(hex);
  REQUIRE_MESSAGE(ns.ok(), why(ns));
  return ns.value();
}

// Which error code a go-square message fragment from the vector file stands for.
namespace_errc code_for(const std::string& fragment) {
  if (fragment.find("invalid namespace length") != std::string::npos) {
    return namespace_errc::bad_length;
  }
  if (fragment.find("unsupported namespace version") != std::string::npos) {
    return namespace_errc::unsupported_version;
  }
  if (fragment.find("leading zeros") != std::string::npos) {
    return namespace_errc::bad_v0_prefix;
  }
  if (fragment.find("parity and tail padding") != std::string::npos) {
    return namespace_errc::parity_or_tail_padding;
  }
  if (fragment.find("reserved data") != std::string::npos) {
    return namespace_errc::reserved;
  }
  if (fragment.find("blob version") != std::string::npos) {
    return namespace_errc::unsupported_blob_version;
  }
  FAIL("unknown error fragment in the vector file: " << fragment);
  return namespace_errc::bad_encoding;
}

// NAMESPACE.md section 5, verbatim, as an independent oracle.
bool valid_blob_namespace(const uint8_t ns[29]) {
  if (ns[0] != 0x00) {
    return false;
  }
  for (int i = 1; i <= 18; ++i) {
    if (ns[i] != 0) {
      return false;
    }
  }
  bool nonzero_prefix = false;
  for (int i = 19; i <= 27; ++i) {
    if (ns[i] != 0) {
      nonzero_prefix = true;
    }
  }
  return nonzero_prefix;
}

}  // namespace

TEST_CASE("namespace: every case of namespace_cases.json, as hex, 0x-hex and base64") {
  const auto doc = load_vectors("namespace_cases.json");
  const auto& cases = doc.at("cases");
  REQUIRE(cases.size() == 18);
  size_t checked = 0;
  for (const auto& c : cases) {
    const std::string hex = c.at("namespace_hex");
    const std::string b64 = c.at("namespace_b64");
    const size_t len = c.at("len");
    const bool valid = c.at("valid_for_blob");
    const std::string fragment = c.at("expected_error_substring");
    CAPTURE(c.at("note").get<std::string>());
    REQUIRE(hex.size() == 2 * len);
    REQUIRE(base64_decode(b64).value() == unhex(hex));
    REQUIRE(base64_encode(unhex(hex).data(), len) == b64);

    for (const std::string& input : {hex, "0x" + hex, b64}) {
      CAPTURE(input);
      auto blob_ns = parse_blob_namespace(input);
      if (valid) {
        REQUIRE_MESSAGE(blob_ns.ok(), why(blob_ns));
        CHECK(blob_ns->hex() == hex);
        CHECK(blob_ns->base64() == b64);
        CHECK(!validate_for_blob(blob_ns.value()).has_value());
      } else {
        REQUIRE(!blob_ns.ok());
        CHECK_MESSAGE(blob_ns.error().message.find(fragment) != std::string::npos,
                      blob_ns.error().message);
        CHECK(blob_ns.error().code == code_for(fragment));
      }
    }

    // The wire form and raw bytes go through the same checks (steps 1-3), then ValidateForBlob.
    const auto raw = unhex(hex);
    auto from_bytes = namespace_from_bytes(raw.data(), raw.size());
    auto from_wire = namespace_from_base64(b64);
    const auto code = valid ? namespace_errc::bad_encoding : code_for(fragment);
    const bool structural = !valid && (code == namespace_errc::bad_length ||
                                       code == namespace_errc::unsupported_version ||
                                       code == namespace_errc::bad_v0_prefix);
    REQUIRE(from_bytes.ok() == !structural);
    REQUIRE(from_wire.ok() == !structural);
    if (structural) {
      CHECK(from_bytes.error().message.find(fragment) != std::string::npos);
      CHECK(from_wire.error().message.find(fragment) != std::string::npos);
    } else {
      CHECK(from_bytes.value() == from_wire.value());
      CHECK(from_bytes->hex() == hex);
      auto err = validate_for_blob(from_bytes.value());
      CHECK(err.has_value() == !valid);
      if (err) {
        CHECK(err->message.find(fragment) != std::string::npos);
      }
    }
    if (len == 29) {
      CHECK(valid_blob_namespace(raw.data()) == valid);
    }
    ++checked;
  }
  CHECK(checked == 18);
}

TEST_CASE("namespace: v0 sub-IDs are left-padded (NewV0Namespace, celestia CLI forms)") {
  const std::string openrpc = "00000000000000000000000000000000000000000000c27fc4694d31d1";
  const auto sub = unhex("c27fc4694d31d1");
  auto ns = namespace_v0(sub.data(), sub.size());
  REQUIRE(ns.ok());
  CHECK(ns->hex() == openrpc);
  CHECK(ns->base64() == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=");
  CHECK(ns->version == 0);

  // Short hex, with or without 0x, and base64 of the sub-ID all mean the same namespace.
  for (const char* input :
       {"c27fc4694d31d1", "0xc27fc4694d31d1", "0XC27FC4694D31D1", "000000c27fc4694d31d1",
        "wn/EaU0x0Q==", openrpc.c_str(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE="}) {
    CAPTURE(input);
    auto parsed = parse_blob_namespace(input);
    REQUIRE_MESSAGE(parsed.ok(), why(parsed));
    CHECK(parsed->hex() == openrpc);
  }

  // The CLI example from NAMESPACE.md section 2: a full 10-byte sub-ID.
  auto cli = parse_blob_namespace("0x42690c204d39600fddd3");
  REQUIRE(cli.ok());
  CHECK(cli->hex() == "0000000000000000000000000000000000000042690c204d39600fddd3");

  const std::vector<uint8_t> eleven(11, 1);
  auto too_long = namespace_v0(eleven.data(), eleven.size());
  REQUIRE(!too_long.ok());
  CHECK(too_long.error().code == namespace_errc::bad_length);
  CHECK(too_long.error().message == "subID must be <= 10, but it was 11 bytes");
}

TEST_CASE("namespace: reserved namespaces of NAMESPACE.md section 4") {
  const char* primary[] = {
      "0000000000000000000000000000000000000000000000000000000001",  // tx
      "0000000000000000000000000000000000000000000000000000000002",  // intermediate state roots
      "0000000000000000000000000000000000000000000000000000000004",  // pay for blob
      "0000000000000000000000000000000000000000000000000000000005",  // pay for fibre
      "00000000000000000000000000000000000000000000000000000000ff",  // primary reserved padding
  };
  for (const char* hex : primary) {
    const auto ns = ns_of_hex(hex);  // valid namespaces: reads may use them
    CHECK(ns.is_primary_reserved());
    CHECK(ns.is_reserved());
    CHECK(!ns.is_secondary_reserved());
    CHECK(validate_for_blob(ns)->code == namespace_errc::reserved);
  }
  CHECK(max_primary_reserved_namespace().hex() == primary[4]);
  CHECK(min_secondary_reserved_namespace().hex() ==
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00");
  CHECK(tail_padding_namespace().hex() ==
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffe");
  CHECK(parity_shares_namespace().hex() ==
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  CHECK(parity_shares_namespace().is_parity_shares());
  CHECK(tail_padding_namespace().is_tail_padding());
  CHECK(min_secondary_reserved_namespace().is_secondary_reserved());
  CHECK(!min_secondary_reserved_namespace().is_tail_padding());

  // Exact go-square wording, as celestia-node returns it (EXAMPLES.md 1g).
  auto tx = parse_blob_namespace(primary[0]);
  REQUIRE(!tx.ok());
  CHECK(tx.error().message ==
        "invalid data namespace(0000000000000000000000000000000000000000000000000000000001): "
        "reserved data is forbidden");
  auto parity = parse_blob_namespace(parity_shares_namespace().base64());
  REQUIRE(!parity.ok());
  CHECK(parity.error().message ==
        "invalid data namespace(ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff): "
        "parity and tail padding namespace are forbidden");

  // The smallest legal v0 namespace sits right above the primary range.
  const auto smallest = ns_of_hex("0000000000000000000000000000000000000000000000000000000100");
  CHECK(!smallest.is_reserved());
  CHECK(max_primary_reserved_namespace() < smallest);
  CHECK(!validate_for_blob(smallest).has_value());
}

TEST_CASE("namespace: a v0 sub-ID is usable iff one of its first 9 bytes is non-zero") {
  // Every 00*9 xx is primary reserved.
  for (int last = 0; last < 256; ++last) {
    const uint8_t sub[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(last)};
    auto ns = namespace_v0(sub, sizeof(sub));
    REQUIRE(ns.ok());
    CHECK(validate_for_blob(ns.value())->code == namespace_errc::reserved);
  }
  // Deterministic pseudo-random sub-IDs against the section 5 pseudocode.
  uint32_t x = 12345;
  auto next = [&x] {
    x = x * 1103515245u + 12345u;
    return static_cast<uint8_t>(x >> 24);
  };
  for (int round = 0; round < 2000; ++round) {
    uint8_t sub[10];
    for (auto& b : sub) {
      b = (next() & 3) == 0 ? next() : 0;  // mostly zeros, to hit the boundary often
    }
    auto ns = namespace_v0(sub, sizeof(sub));
    REQUIRE(ns.ok());
    const auto bytes = ns->bytes();
    CHECK(validate_for_blob(ns.value()).has_value() == !valid_blob_namespace(bytes.data()));
  }
}

TEST_CASE("namespace: structural errors name what is wrong") {
  auto prefix = parse_namespace("0000000000000000000000000000000000000100000000000000000001");
  REQUIRE(!prefix.ok());
  CHECK(prefix.error().code == namespace_errc::bad_v0_prefix);
  // go-square prints the ID with Go's %v of a []byte.
  CHECK(prefix.error().message ==
        "unsupported namespace id with version 0. ID [0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 "
        "0 0 0 0 0 1] must start with 18 leading zeros");

  auto v1 = parse_namespace("010000000000000000000000000000000000000102030405060708090a");
  REQUIRE(!v1.ok());
  CHECK(v1.error().message == "unsupported namespace version 1");

  auto v255 = parse_namespace("ff00000000000000000000000000000000000000000000000000000001");
  REQUIRE(v255.ok());  // a valid namespace (reads may name it) ...
  CHECK(validate_for_blob(v255.value())->message ==
        "blob version 255 is not supported");  // ... but never a blob's

  const std::vector<uint8_t> short_ns(28, 0);
  auto bad_len = namespace_from_bytes(short_ns.data(), short_ns.size());
  REQUIRE(!bad_len.ok());
  CHECK(bad_len.error().message == "invalid namespace length: 28. Must be 29 bytes");

  struct bad_input {
    const char* text;
    namespace_errc code;
  };
  for (const auto& bad : {
           bad_input{"", namespace_errc::bad_encoding},
           bad_input{"0x", namespace_errc::bad_encoding},
           bad_input{"0xabc", namespace_errc::bad_encoding},  // odd
           bad_input{"0xzz", namespace_errc::bad_encoding},   // not hex
           bad_input{"abc", namespace_errc::bad_encoding},    // odd hex
           bad_input{"not a namespace", namespace_errc::bad_encoding},
           bad_input{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE", namespace_errc::bad_encoding},
           bad_input{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGl=MdE=", namespace_errc::bad_encoding},
           bad_input{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ_xGlNMdE=", namespace_errc::bad_encoding},
           bad_input{" 0x0102", namespace_errc::bad_encoding},
           bad_input{"0x0102030405060708090a0b", namespace_errc::bad_length},  // 11 bytes
           bad_input{"000000000000000000000000000000000000000000000000000000000000",
                     namespace_errc::bad_length},  // 30 bytes
       }) {
    CAPTURE(bad.text);
    auto r = parse_namespace(bad.text);
    REQUIRE(!r.ok());
    CHECK(r.error().code == bad.code);
    CHECK(!r.error().message.empty());
    CHECK(std::string(to_string(r.error().code)) != "unknown");
  }
  // Long garbage is not echoed whole.
  auto long_garbage = parse_namespace(std::string(10000, '!'));
  REQUIRE(!long_garbage.ok());
  CHECK(long_garbage.error().message.size() < 300);

  // The wire form is only ever the full 29 bytes.
  auto wire_sub = namespace_from_base64("wn/EaU0x0Q==");
  REQUIRE(!wire_sub.ok());
  CHECK(wire_sub.error().message == "invalid namespace length: 7. Must be 29 bytes");
}

TEST_CASE("namespace: byte-wise order, round trips, base64") {
  const auto a = ns_of_hex("0000000000000000000000000000000000000000000000000000000100");
  const auto b = ns_of_hex("000000000000000000000000000000000000000102030405060708090a");
  CHECK(a < b);
  CHECK(!(b < a));
  CHECK(a != b);
  CHECK(b < min_secondary_reserved_namespace());
  CHECK(a.compare(a) == 0);

  const auto bytes = b.bytes();
  auto back = namespace_from_bytes(bytes.data(), bytes.size());
  REQUIRE(back.ok());
  CHECK(back.value() == b);
  CHECK(namespace_from_base64(b.base64()).value() == b);
  CHECK(parse_namespace(b.hex()).value() == b);

  // RFC 4648 test vectors.
  const std::pair<const char*, const char*> rfc[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : rfc) {
    const std::string p = plain;
    CHECK(base64_encode(reinterpret_cast<const uint8_t*>(p.data()), p.size()) == encoded);
    auto d = base64_decode(encoded);
    REQUIRE(d.has_value());
    CHECK(std::string(d->begin(), d->end()) == p);
  }
  CHECK(!base64_decode("Zg=").has_value());
  CHECK(!base64_decode("Z===").has_value());
  CHECK(!base64_decode("Zg==Zg==").has_value());
  CHECK(!base64_decode("Zm9v\n").has_value());
}
