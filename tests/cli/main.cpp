// The doctest runner for the CLI tests (flags, env files, the HTTP client; no coordinator).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
