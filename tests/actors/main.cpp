// The doctest runner for the actor tests; also provides CAF's test engine symbols.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
