// Celestia client configuration (dsdn/da/celestia_config.hpp): networks, the mainnet
// auth-token rule, namespaces valid for blobs, limits. No I/O.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "dsdn/da/celestia_config.hpp"

using namespace dsdn::da;

namespace {

celestia_config good() {
  celestia_config cfg;
  auto ns = parse_blob_namespace("0x42690c204d39600fddd3");
  REQUIRE(ns.ok());
  cfg.ns = ns.value();
  return cfg;
}

std::string problem(const celestia_config& cfg) {
  auto e = validate(cfg);
  return e ? e->message : std::string();
}

}  // namespace

TEST_CASE("celestia config: networks") {
  CHECK(parse_celestia_network("mainnet") == celestia_network::mainnet);
  CHECK(parse_celestia_network("Mocha") == celestia_network::mocha);
  CHECK(parse_celestia_network("local") == celestia_network::local);
  CHECK_FALSE(parse_celestia_network("mocha-4"));
  CHECK_FALSE(parse_celestia_network(""));
  CHECK(std::string(to_string(celestia_network::mocha)) == "mocha");
}

TEST_CASE("celestia config: defaults are the flag defaults") {
  celestia_config cfg;
  CHECK(cfg.timeout.count() == 60000);
  CHECK(cfg.retry_count == 3);
  CHECK(cfg.retry_delay.count() == 1000);
  CHECK(cfg.search_depth == 20);
  CHECK(cfg.network == celestia_network::local);
  // The zero namespace is reserved: a namespace has to be configured.
  CHECK(problem(cfg).find("cannot hold blobs") != std::string::npos);
  CHECK(problem(good()).empty());
}

TEST_CASE("celestia config: mainnet needs an auth token, other networks do not") {
  auto cfg = good();
  cfg.network = celestia_network::mainnet;
  auto e = validate(cfg);
  REQUIRE(e);
  CHECK(e->code == da_errc::bad_request);
  CHECK(e->message.find(celestia_mainnet_token_error) != std::string::npos);
  cfg.auth_token = "eyJhbGciOiJIUzI1NiJ9.e30.sig";
  CHECK(problem(cfg).empty());
  cfg.network = celestia_network::mocha;
  cfg.auth_token.clear();
  CHECK(problem(cfg).empty());
  cfg.auth_token = "two words";
  CHECK(problem(cfg).find("auth_token") != std::string::npos);
  cfg.auth_token = "line\nbreak";
  CHECK(problem(cfg).find("auth_token") != std::string::npos);
}

TEST_CASE("celestia config: the namespace must be valid for blobs") {
  auto cfg = good();
  cfg.ns = parity_shares_namespace();
  CHECK(problem(cfg).find("parity") != std::string::npos);
  cfg.ns = max_primary_reserved_namespace();
  CHECK(problem(cfg).find("reserved") != std::string::npos);
  cfg.ns = good().ns;
  cfg.ns.version = namespace_version_max;
  CHECK_FALSE(problem(cfg).empty());
}

TEST_CASE("celestia config: URL, timeouts, search depth and TxConfig") {
  auto cfg = good();
  cfg.rpc_url = "localhost:26658";
  CHECK(problem(cfg).find("http://") != std::string::npos);
  cfg.rpc_url = "HTTPS://rpc.example:443/celestia";
  CHECK(problem(cfg).empty());

  cfg = good();
  cfg.timeout = std::chrono::milliseconds(0);
  CHECK(problem(cfg).find("timeout") != std::string::npos);
  cfg = good();
  cfg.search_depth = 0;
  CHECK(problem(cfg).find("search_depth") != std::string::npos);
  cfg = good();
  cfg.start_height = 0;
  CHECK(problem(cfg).find("start_height") != std::string::npos);
  cfg = good();
  cfg.tx.tx_priority = 4;
  CHECK(problem(cfg).find("tx_priority") != std::string::npos);
  cfg = good();
  cfg.tx.gas_price = std::numeric_limits<double>::quiet_NaN();
  CHECK(problem(cfg).find("gas_price") != std::string::npos);
  cfg = good();
  cfg.tx.max_gas_price = -1;
  CHECK(problem(cfg).find("max_gas_price") != std::string::npos);
}
