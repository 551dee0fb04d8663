// Field rules: every boundary of every rule, and messages that name the field and the value.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "dsdn/core/validation.hpp"

using namespace dsdn::core;

namespace {

bool accepted(const std::optional<field_error>& e) {
  return !e.has_value();
}

}  // namespace

TEST_CASE("check_node_id: charset and length 1..128") {
  CHECK(accepted(check_node_id("a")));
  CHECK(accepted(check_node_id("node-1.zone_a:7")));
  CHECK(accepted(check_node_id(std::string(128, 'x'))));
  auto too_long = check_node_id(std::string(129, 'x'));
  REQUIRE(too_long);
  CHECK(too_long->field == "node_id");
  CHECK(too_long->message.find("129") != std::string::npos);
  auto empty = check_node_id("");
  REQUIRE(empty);
  CHECK(empty->message.find("node_id") == 0);
  for (const char* bad : {"a b", "a/b", "a@b", "ü", "a\tb", "[x]"}) {
    auto e = check_node_id(bad);
    REQUIRE_MESSAGE(e, bad);
    CHECK(e->field == "node_id");
  }
  auto custom = check_node_id("a b", "id");
  REQUIRE(custom);
  CHECK(custom->field == "id");
  CHECK(custom->message.find("id ") == 0);
}

TEST_CASE("check_zone: 1..64 printable ASCII") {
  CHECK(accepted(check_zone("us-east")));
  CHECK(accepted(check_zone(" ")));
  CHECK(accepted(check_zone("~!@# zone")));
  CHECK(accepted(check_zone(std::string(64, 'z'))));
  CHECK_FALSE(accepted(check_zone(std::string(65, 'z'))));
  CHECK_FALSE(accepted(check_zone("")));
  CHECK_FALSE(accepted(check_zone("a\nb")));
  CHECK_FALSE(accepted(check_zone("a\x7f")));
  CHECK_FALSE(accepted(check_zone("caf\xc3\xa9")));
  auto e = check_zone("a\x01");
  REQUIRE(e);
  CHECK(e->field == "zone");
  CHECK(e->message.find("\\x01") != std::string::npos);
}

TEST_CASE("check_addr: host:port forms") {
  for (const char* good :
       {"10.0.0.1:50051", "node.example.com:80", "h:1", "h:65535", "[::1]:80", "[2001:db8::1]:443",
        "[::ffff:10.0.0.1]:9000", "under_score-host:8080", "h:00080"}) {
    CHECK_MESSAGE(accepted(check_addr(good)), good);
  }
  for (const char* bad :
       {"",         "host",      "host:",    ":80",      "h:0",     "h:65536",   "h:99999",
        "h:123456", "h:+80",     "h:-1",     "h: 80",    "h:8a",    "::1:80",    "a:b:80",
        "[::1]",    "[::1]:",    "[]:80",    "[::1:80",  "::1]:80", "[::1]x:80", "[abc]:80",
        "[:]:80",   "[g::1]:80", "ho st:80", "ho/st:80", "h:80:",   "[::1]:0",   "[::1]:65536"}) {
    auto e = check_addr(bad);
    REQUIRE_MESSAGE(e, bad);
    CHECK(e->field == "addr");
    CHECK(e->message.find("addr") == 0);
  }
}

TEST_CASE("check_addr: total length at most 261 bytes") {
  std::string host(255, 'h');
  CHECK(accepted(check_addr(host + ":65535")));  // 261
  CHECK_FALSE(accepted(check_addr(host + "h:65535")));
  auto e = check_addr(host + "h:65535");
  REQUIRE(e);
  CHECK(e->message.find("262") != std::string::npos);
}

TEST_CASE("check_addr: messages name the value") {
  auto e = check_addr("h:0");
  REQUIRE(e);
  CHECK(e->message.find("'0'") != std::string::npos);
  auto v6 = check_addr("::1:80");
  REQUIRE(v6);
  CHECK(v6->message.find("[v6]:port") != std::string::npos);
}

TEST_CASE("check_capacity_gb: 1..1000000") {
  CHECK(accepted(check_capacity_gb(1)));
  CHECK(accepted(check_capacity_gb(1000000)));
  auto zero = check_capacity_gb(0);
  REQUIRE(zero);
  CHECK(zero->field == "capacity_gb");
  CHECK(zero->message == "capacity_gb must be between 1 and 1000000, got 0");
  CHECK_FALSE(accepted(check_capacity_gb(1000001)));
  CHECK_FALSE(accepted(check_capacity_gb(std::numeric_limits<uint64_t>::max())));
}

TEST_CASE("check_object_hash: hex 1..128, either case") {
  CHECK(accepted(check_object_hash("a")));
  CHECK(accepted(check_object_hash("0123456789abcdefABCDEF")));
  CHECK(accepted(check_object_hash(std::string(128, 'f'))));
  CHECK_FALSE(accepted(check_object_hash(std::string(129, 'f'))));
  CHECK_FALSE(accepted(check_object_hash("")));
  CHECK_FALSE(accepted(check_object_hash("xyz")));
  CHECK_FALSE(accepted(check_object_hash("ab cd")));
  CHECK_FALSE(accepted(check_object_hash("0x12")));
  auto e = check_object_hash("abg");
  REQUIRE(e);
  CHECK(e->field == "hash");
  CHECK(e->message.find("'g'") != std::string::npos);
}

TEST_CASE("check_object_size and check_replication_factor") {
  CHECK(accepted(check_object_size(1)));
  CHECK(accepted(check_object_size(std::numeric_limits<uint64_t>::max())));
  auto size = check_object_size(0);
  REQUIRE(size);
  CHECK(size->field == "size");
  CHECK(accepted(check_replication_factor(1)));
  CHECK(accepted(check_replication_factor(64)));
  CHECK_FALSE(accepted(check_replication_factor(0)));
  auto rf = check_replication_factor(65);
  REQUIRE(rf);
  CHECK(rf->field == "rf");
  CHECK(rf->message.find("65") != std::string::npos);
}

TEST_CASE("check_stat: finite, fractions 0..1, others >= 0") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(accepted(check_stat(0.0, true, "cpu")));
  CHECK(accepted(check_stat(1.0, true, "cpu")));
  CHECK(accepted(check_stat(0.5, true, "cpu")));
  CHECK_FALSE(accepted(check_stat(1.0000001, true, "cpu")));
  CHECK_FALSE(accepted(check_stat(-0.1, true, "cpu")));
  CHECK(accepted(check_stat(0.0, false, "latency_ms")));
  CHECK(accepted(check_stat(1e12, false, "latency_ms")));
  CHECK_FALSE(accepted(check_stat(-1.0, false, "latency_ms")));
  CHECK_FALSE(accepted(check_stat(nan, false, "latency_ms")));
  CHECK_FALSE(accepted(check_stat(inf, false, "latency_ms")));
  CHECK_FALSE(accepted(check_stat(-inf, true, "cpu")));
  auto e = check_stat(nan, true, "gpu");
  REQUIRE(e);
  CHECK(e->field == "gpu");
  CHECK(e->message.find("gpu must be finite") == 0);
}

TEST_CASE("check_weight: any finite value") {
  CHECK(accepted(check_weight(-5.0, "w_cpu")));
  CHECK(accepted(check_weight(0.0, "w_cpu")));
  CHECK(accepted(check_weight(1e300, "w_cpu")));
  CHECK_FALSE(accepted(check_weight(std::nan(""), "w_cpu")));
  CHECK_FALSE(accepted(check_weight(-std::numeric_limits<double>::infinity(), "w_io")));
  auto e = check_weight(std::numeric_limits<double>::infinity(), "w_io");
  REQUIRE(e);
  CHECK(e->field == "w_io");
}

TEST_CASE("normalize_hash lower-cases") {
  CHECK(normalize_hash("ABCdef0123") == "abcdef0123");
  CHECK(normalize_hash("") == "");
}

TEST_CASE("messages quote long values briefly") {
  std::string id(100, 'a');
  id += ' ';
  auto e = check_node_id(id);
  REQUIRE(e);
  CHECK(e->message.find("...") != std::string::npos);
  CHECK(e->message.size() < 200);
}
