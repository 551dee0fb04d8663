// The logger's JSON format stays valid JSON whatever the message contains.

#include <sstream>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "dsdn/actors/logging.hpp"

TEST_CASE("--log-format json escapes quotes, backslashes and control characters") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  // configure_logging sets the formatter of every sink the logger has, ours included.
  dsdn::log().sinks().push_back(sink);
  REQUIRE(dsdn::configure_logging("info", "json"));
  dsdn::log().info("da_write_failed error=\"{}\" path={}", "quote\" back\\slash\nnewline\x01",
                   "C:\\dir");
  dsdn::log().sinks().pop_back();
  REQUIRE(dsdn::configure_logging("info", "text"));
  auto line = out.str();
  REQUIRE(!line.empty());
  auto j = nlohmann::json::parse(line, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["level"] == "info");
  CHECK(j["msg"] == "da_write_failed error=\"quote\" back\\slash\nnewline\x01\" path=C:\\dir");
  CHECK_FALSE(dsdn::configure_logging("loud", "text"));
  CHECK_FALSE(dsdn::configure_logging("info", "xml"));
}
