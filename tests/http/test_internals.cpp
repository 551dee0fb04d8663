// The HTTP layer's pure pieces: the one total error mapping, the token comparison, and
// percent-decoding of path and query parts.

#include <doctest/doctest.h>

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "../../src/http/errors.hpp"
#include "../../src/http/router.hpp"
#include "dsdn/actors/interfaces.hpp"

using namespace dsdn;

TEST_CASE("actor errors map to HTTP statuses through one total function") {
  auto dsdn_error = [](ec code) { return make_dsdn_error(code, "f", "m"); };
  CHECK(http::status_for(dsdn_error(ec::not_ready)) == 503);
  CHECK(http::status_for(dsdn_error(ec::da_unavailable)) == 503);
  CHECK(http::status_for(dsdn_error(ec::shutting_down)) == 503);
  CHECK(http::status_for(dsdn_error(ec::invalid_argument)) == 400);
  CHECK(http::status_for(dsdn_error(ec::not_found)) == 404);
  CHECK(http::status_for(dsdn_error(ec::conflict)) == 409);
  CHECK(http::status_for(dsdn_error(ec::internal)) == 500);
  CHECK(http::status_for(dsdn_error(static_cast<ec>(200))) == 500);  // unknown code
  CHECK(http::status_for(caf::make_error(caf::sec::request_timeout)) == 504);
  CHECK(http::status_for(caf::make_error(caf::sec::request_receiver_down)) == 503);
  CHECK(http::status_for(caf::make_error(caf::sec::runtime_error)) == 500);
  CHECK(http::status_for(caf::make_error(caf::sec::unexpected_message)) == 500);
}

TEST_CASE("bearer token comparison") {
  CHECK(http::bearer_matches("Bearer abc", "abc"));
  CHECK(http::bearer_matches("bearer abc", "abc"));
  CHECK_FALSE(http::bearer_matches("Bearer abd", "abc"));
  CHECK_FALSE(http::bearer_matches("Bearer ab", "abc"));
  CHECK_FALSE(http::bearer_matches("Bearer abcd", "abc"));
  CHECK_FALSE(http::bearer_matches("Bearer  abc", "abc"));
  CHECK_FALSE(http::bearer_matches("Basic abc", "abc"));
  CHECK_FALSE(http::bearer_matches("", "abc"));
  CHECK_FALSE(http::bearer_matches("Bearer", "abc"));
}

TEST_CASE("percent decoding") {
  CHECK(http::percent_decode("a%20b", false) == "a b");
  CHECK(http::percent_decode("a+b", false) == "a+b");
  CHECK(http::percent_decode("a+b", true) == "a b");
  CHECK(http::percent_decode("%3a%3A", false) == "::");
  CHECK(http::percent_decode("100%", false) == "100%");
  CHECK(http::percent_decode("%zz%4", false) == "%zz%4");
}
