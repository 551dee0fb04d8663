#pragma once
// Lets CAF's deterministic test DSL (caf/test/dsl.hpp) report through doctest. dsl.hpp
// evaluates some checks in destructors, where throwing would terminate, so a failed
// requirement aborts after doctest has recorded it.

#include <cstdlib>
#include <sstream>

#include <doctest/doctest.h>

#include <caf/test/unit_test.hpp>

#undef CAF_FAIL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_EQUAL
#undef CAF_CHECK
#undef CAF_CHECK_EQUAL
#undef CAF_MESSAGE

#define CAF_FAIL(msg)                        \
  do {                                       \
    std::ostringstream caf_fail_os__;        \
    caf_fail_os__ << msg;                    \
    DOCTEST_FAIL_CHECK(caf_fail_os__.str()); \
    std::abort();                            \
  } while (false)
#define CAF_REQUIRE(...)                \
  do {                                  \
    if (!(__VA_ARGS__)) {               \
      DOCTEST_FAIL_CHECK(#__VA_ARGS__); \
      std::abort();                     \
    }                                   \
  } while (false)
#define CAF_REQUIRE_EQUAL(x, y) CAF_REQUIRE((x) == (y))
#define CAF_CHECK(...) DOCTEST_CHECK(__VA_ARGS__)
#define CAF_CHECK_EQUAL(x, y) DOCTEST_CHECK((x) == (y))
#define CAF_MESSAGE(msg) \
  do {                   \
  } while (false)

#include <caf/test/dsl.hpp>

#include "dsdn/actors/actors.hpp"

/// The actor system configuration of the actor tests: our message types registered.
struct dsdn_test_config : caf::actor_system_config {
  dsdn_test_config() { dsdn::configure_actor_system(*this); }
};

using dsdn_fixture = test_coordinator_fixture<dsdn_test_config>;
