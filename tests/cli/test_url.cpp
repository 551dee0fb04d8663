// parse_url and path escaping: what --coordinator-url accepts and refuses.

#include <doctest/doctest.h>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/options.hpp"
#include "dsdn/http/client.hpp"

using dsdn::http::client_errc;
using dsdn::http::parse_url;

TEST_CASE("parse_url: scheme, host, port, base path") {
  auto u = parse_url("http://127.0.0.1:45831");
  REQUIRE(u.ok());
  CHECK_FALSE(u->tls);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 45831);
  CHECK(u->base_path.empty());

  u = parse_url("https://coord.example.org/api/v1///");
  REQUIRE(u.ok());
  CHECK(u->tls);
  CHECK(u->port == 443);
  CHECK(u->host == "coord.example.org");
  CHECK(u->base_path == "/api/v1");

  u = parse_url("http://localhost/");
  REQUIRE(u.ok());
  CHECK(u->port == 80);
  CHECK(u->base_path.empty());

  u = parse_url("HTTP://[::1]:8080/x");
  REQUIRE(u.ok());
  CHECK(u->host == "::1");
  CHECK(u->port == 8080);
  CHECK(u->base_path == "/x");

  u = parse_url("https://[fe80::1]");
  REQUIRE(u.ok());
  CHECK(u->port == 443);
}

TEST_CASE("parse_url: refusals name the URL") {
  for (const char* bad : {"",
                          "ftp://x",
                          "127.0.0.1:45831",
                          "http://",
                          "http://:80",
                          "http://host:",
                          "http://host:0",
                          "http://host:65536",
                          "http://host:12ab",
                          "http://[::1",
                          "http://[]:80",
                          "http://[::1]x",
                          "http://[zz]:1",
                          "http://user:pw@host",
                          "http://host/a?b=1",
                          "http://host/#frag",
                          "http://ho st",
                          "http://host\n",
                          "http://::1:80",
                          "http://ho$t"}) {
    CAPTURE(bad);
    auto u = parse_url(bad);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().code == client_errc::bad_url);
    CHECK(u.error().message.find("URL '") == 0);
  }
}

TEST_CASE("trailing slashes and path escaping") {
  CHECK(dsdn::cli::trim_trailing_slashes("http://h:1///") == "http://h:1");
  CHECK(dsdn::cli::trim_trailing_slashes("http://h:1") == "http://h:1");
  CHECK(dsdn::cli::path_segment("node-1.a_b~c:d") == "node-1.a_b~c:d");
  CHECK(dsdn::cli::path_segment("a/b c?d#e%") == "a%2Fb%20c%3Fd%23e%25");
  CHECK(dsdn::cli::path_segment("\xC3\xA9") == "%C3%A9");
}

TEST_CASE("listen_url brackets IPv6 literals") {
  CHECK(dsdn::cli::listen_url("127.0.0.1", 45831) == "http://127.0.0.1:45831");
  CHECK(dsdn::cli::listen_url("localhost", 80) == "http://localhost:80");
  CHECK(dsdn::cli::listen_url("::1", 8080) == "http://[::1]:8080");
}
