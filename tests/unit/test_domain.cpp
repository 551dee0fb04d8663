// The signing domain "DSDN/v1/<kind>/<payload>": encoding, decoding, refusals, and that
// messages of distinct kinds never collide.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "dsdn/multi/domain.hpp"

using namespace dsdn::multi;

namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string text(const std::vector<uint8_t>& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("domain: kinds have fixed names and parse back exactly") {
  CHECK(kind_name(message_kind::operator_message) == "operator-message");
  CHECK(kind_name(message_kind::receipt) == "receipt");
  for (const message_kind k : all_message_kinds) {
    REQUIRE(parse_kind(kind_name(k)).has_value());
    CHECK(*parse_kind(kind_name(k)) == k);
    // The injectivity argument needs kind names without '/' (and non-empty).
    CHECK(!kind_name(k).empty());
    CHECK(kind_name(k).find('/') == std::string_view::npos);
  }
  CHECK(!parse_kind("Receipt").has_value());
  CHECK(!parse_kind("receipt ").has_value());
  CHECK(!parse_kind("").has_value());
}

TEST_CASE("domain: encoding is prefix, kind, slash, payload") {
  CHECK(text(encode_domain_message(message_kind::operator_message, bytes("hello"))) ==
        "DSDN/v1/operator-message/hello");
  CHECK(text(encode_domain_message(message_kind::receipt, bytes(""))) == "DSDN/v1/receipt/");
  const std::vector<uint8_t> binary{0x00, 0xff, '/', 0x00};
  auto encoded = encode_domain_message(message_kind::receipt, binary);
  auto decoded = decode_domain_message(encoded);
  REQUIRE(decoded.ok());
  CHECK(decoded->kind == message_kind::receipt);
  CHECK(decoded->payload == binary);
}

TEST_CASE("domain: decoding refuses anything outside the domain, naming the problem") {
  auto missing = decode_domain_message(bytes("DSDN/v2/receipt/x"));
  REQUIRE(!missing.ok());
  CHECK(missing.error().code == domain_errc::missing_prefix);
  CHECK(!decode_domain_message(bytes("")).ok());
  CHECK(!decode_domain_message(nullptr, 0).ok());
  CHECK(!decode_domain_message(bytes("DSDN/v1")).ok());

  auto no_slash = decode_domain_message(bytes("DSDN/v1/receipt"));
  REQUIRE(!no_slash.ok());
  CHECK(no_slash.error().code == domain_errc::missing_separator);
  CHECK(no_slash.error().message.find("receipt") != std::string::npos);

  auto unknown = decode_domain_message(bytes("DSDN/v1/transfer/payload"));
  REQUIRE(!unknown.ok());
  CHECK(unknown.error().code == domain_errc::unknown_kind);
  CHECK(unknown.error().message.find("transfer") != std::string::npos);

  // A kind is matched exactly: neither a prefix nor an extension of a known name passes.
  CHECK(!decode_domain_message(bytes("DSDN/v1/receip/t/x")).ok());
  CHECK(!decode_domain_message(bytes("DSDN/v1/receipts/x")).ok());
  CHECK(!decode_domain_message(bytes("DSDN/v1//receipt/x")).ok());
}

TEST_CASE("domain: distinct (kind, payload) pairs never give the same message") {
  // Payloads chosen to try to impersonate the other kind: they start with its name and '/'.
  std::vector<std::vector<uint8_t>> payloads = {
      bytes(""),  bytes("/"),           bytes("receipt/"),    bytes("operator-message/"),
      bytes("x"), bytes("receipt/abc"), bytes("/receipt/abc")};
  std::set<std::vector<uint8_t>> seen;
  size_t count = 0;
  for (const message_kind k : all_message_kinds) {
    for (const auto& p : payloads) {
      const auto m = encode_domain_message(k, p);
      seen.insert(m);
      ++count;
      auto back = decode_domain_message(m);
      REQUIRE(back.ok());
      CHECK(back->kind == k);
      CHECK(back->payload == p);
    }
  }
  CHECK(seen.size() == count);
  // The operator kind can never produce bytes that decode as a receipt.
  for (const auto& p : payloads) {
    auto m = encode_domain_message(message_kind::operator_message, p);
    CHECK(decode_domain_message(m)->kind == message_kind::operator_message);
  }
}
