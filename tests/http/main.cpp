// The doctest runner for the HTTP tests (real sockets on 127.0.0.1, in-process coordinator).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
