// .env syntax, its errors, which file is chosen, and that it never overrides the environment.

#include <doctest/doctest.h>

#include "cli/env_guard.hpp"
#include "dsdn/cli/env_file.hpp"

using namespace dsdn::cli;

namespace {

std::string value_of(const std::vector<env_entry>& entries, const std::string& key) {
  std::string out = "<absent>";
  for (auto& e : entries)
    if (e.key == key)
      out = e.value;
  return out;
}

std::string error_of(const std::string& text) {
  auto r = parse_env_text(text, "t.env");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == env_errc::malformed);
  return r.error().message;
}

}  // namespace

TEST_CASE("env syntax: comments, blanks, export, trimming, inline comments") {
  auto r = parse_env_text(
      "\xEF\xBB\xBF# a comment\n"
      "\n"
      "   \t\n"
      "  # indented comment\n"
      "PLAIN=value\n"
      "SPACED =  padded value  \n"
      "export EXPORTED=yes\n"
      "export\tTABBED=1\n"
      "EMPTY=\n"
      "INLINE=abc # comment here\n"
      "HASH=abc#not-a-comment\n"
      "URL=http://h:1/p?q=a=b\n"
      "CRLF=dos\r\n"
      "_under_score9=x\n",
      "t.env");
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  auto& e = r.value();
  CHECK(value_of(e, "PLAIN") == "value");
  CHECK(value_of(e, "SPACED") == "padded value");
  CHECK(value_of(e, "EXPORTED") == "yes");
  CHECK(value_of(e, "TABBED") == "1");
  CHECK(value_of(e, "EMPTY") == "");
  CHECK(value_of(e, "INLINE") == "abc");
  CHECK(value_of(e, "HASH") == "abc#not-a-comment");
  CHECK(value_of(e, "URL") == "http://h:1/p?q=a=b");
  CHECK(value_of(e, "CRLF") == "dos");
  CHECK(value_of(e, "_under_score9") == "x");
  CHECK(e.size() == 10);
  CHECK(e.front().line == 5);
}

TEST_CASE("env syntax: single and double quotes") {
  auto r = parse_env_text(
      "SQ='  kept  # not a comment \\n'\n"
      "DQ=\"line1\\nline2 \\\"quoted\\\" back\\\\slash\\ttab\"\n"
      "DQ_COMMENT=\"v\"   # trailing comment\n"
      "SQ_EMPTY=''\n"
      "DQ_EMPTY=\"\"\n"
      "DQ_HASH=\"a # b\"\n",
      "t.env");
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  auto& e = r.value();
  CHECK(value_of(e, "SQ") == "  kept  # not a comment \\n");
  CHECK(value_of(e, "DQ") == "line1\nline2 \"quoted\" back\\slash\ttab");
  CHECK(value_of(e, "DQ_COMMENT") == "v");
  CHECK(value_of(e, "SQ_EMPTY") == "");
  CHECK(value_of(e, "DQ_EMPTY") == "");
  CHECK(value_of(e, "DQ_HASH") == "a # b");
}

TEST_CASE("env syntax errors name the file and the line") {
  CHECK(error_of("A=1\nnot an assignment\n").find("t.env:2: expected KEY=VALUE") == 0);
  CHECK(error_of("=value\n").find("t.env:1: invalid variable name ''") == 0);
  CHECK(error_of("1ABC=x\n").find("invalid variable name '1ABC'") != std::string::npos);
  CHECK(error_of("A-B=x\n").find("invalid variable name 'A-B'") != std::string::npos);
  CHECK(error_of("A='open\n").find("t.env:1: unterminated single-quoted value") == 0);
  CHECK(error_of("\n\nA=\"open\n").find("t.env:3: unterminated double-quoted value") == 0);
  CHECK(error_of("A=\"x\"y\n").find("unexpected text after the closing quote for A") !=
        std::string::npos);
  CHECK(error_of("A='x' y\n").find("unexpected text after the closing quote") != std::string::npos);
  CHECK(error_of("A=\"c:\\dir\"\n").find("unknown escape '\\d'") != std::string::npos);
  CHECK(error_of("A=\"ends with backslash\\").find("unterminated") != std::string::npos);
}

TEST_CASE("env_file_from_args: both spellings, last one wins, stops at --") {
  CHECK_FALSE(env_file_from_args({"prog", "serve", "--mock-da"}).has_value());
  CHECK(*env_file_from_args({"prog", "serve", "--env-file", "a.env"}) == "a.env");
  CHECK(*env_file_from_args({"prog", "--env-file=b.env", "serve"}) == "b.env");
  CHECK(*env_file_from_args({"prog", "--env-file=b.env", "--env-file", "c.env"}) == "c.env");
  CHECK(env_file_from_args({"prog", "serve", "--env-file"})->empty());
  CHECK_FALSE(env_file_from_args({"prog", "--", "--env-file", "x"}).has_value());
  // argv[0] is the program, never a flag.
  CHECK_FALSE(env_file_from_args({"--env-file=x"}).has_value());
}

TEST_CASE("load_env: explicit file; the environment is never overridden; last line wins") {
  clitest::env_guard guard({"DSDN_ENV_FILE", "DSDN_T_NEW", "DSDN_T_SET", "DSDN_T_DUP"});
  clitest::temp_dir dir;
  auto path = dir.write("x.env",
                        "DSDN_T_NEW=from-file\nDSDN_T_SET=from-file\n"
                        "DSDN_T_DUP=first\nDSDN_T_DUP=second\n");
  setenv("DSDN_T_SET", "from-env", 1);
  auto r = load_env({"prog", "serve", "--env-file", path}, dir.path());
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->path == path);
  CHECK(r->explicit_);
  CHECK(r->applied == 2);
  CHECK(r->kept == 1);
  CHECK(std::string(getenv("DSDN_T_NEW")) == "from-file");
  CHECK(std::string(getenv("DSDN_T_SET")) == "from-env");
  CHECK(std::string(getenv("DSDN_T_DUP")) == "second");
}

TEST_CASE("load_env: DSDN_ENV_FILE when no flag; the flag wins over it") {
  clitest::env_guard guard({"DSDN_ENV_FILE", "DSDN_T_WHICH"});
  clitest::temp_dir dir;
  auto from_env = dir.write("env.env", "DSDN_T_WHICH=env-var-file\n");
  auto from_flag = dir.write("flag.env", "DSDN_T_WHICH=flag-file\n");
  setenv("DSDN_ENV_FILE", from_env.c_str(), 1);
  {
    auto r = load_env({"prog", "node", "list"}, dir.path());
    REQUIRE(r.ok());
    CHECK(r->path == from_env);
    CHECK(std::string(getenv("DSDN_T_WHICH")) == "env-var-file");
  }
  unsetenv("DSDN_T_WHICH");
  auto r = load_env({"prog", "--env-file=" + from_flag, "node", "list"}, dir.path());
  REQUIRE(r.ok());
  CHECK(r->path == from_flag);
  CHECK(std::string(getenv("DSDN_T_WHICH")) == "flag-file");
}

TEST_CASE("load_env: auto-detects .env.mainnet before .env, and nothing when neither exists") {
  clitest::env_guard guard({"DSDN_ENV_FILE", "DSDN_T_AUTO"});
  clitest::temp_dir dir;
  {
    auto r = load_env({"prog"}, dir.path());
    REQUIRE(r.ok());
    CHECK(r->path.empty());
    CHECK(r->applied == 0);
  }
  dir.write(".env", "DSDN_T_AUTO=dotenv\n");
  {
    auto r = load_env({"prog"}, dir.path());
    REQUIRE(r.ok());
    CHECK(r->path == dir.path() + "/.env");
    CHECK_FALSE(r->explicit_);
    CHECK(std::string(getenv("DSDN_T_AUTO")) == "dotenv");
  }
  unsetenv("DSDN_T_AUTO");
  dir.write(".env.mainnet", "DSDN_T_AUTO=mainnet\n");
  auto r = load_env({"prog"}, dir.path());
  REQUIRE(r.ok());
  CHECK(r->path == dir.path() + "/.env.mainnet");
  CHECK(std::string(getenv("DSDN_T_AUTO")) == "mainnet");
}

TEST_CASE("load_env: a missing explicit file or a malformed file is an error, nothing applied") {
  clitest::env_guard guard({"DSDN_ENV_FILE", "DSDN_T_PARTIAL"});
  clitest::temp_dir dir;
  auto missing = load_env({"prog", "--env-file", dir.path() + "/nope.env"}, dir.path());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == env_errc::unreadable);
  CHECK(missing.error().message.find("nope.env") != std::string::npos);
  CHECK(missing.error().message.find("No such file") != std::string::npos);

  setenv("DSDN_ENV_FILE", (dir.path() + "/also-missing.env").c_str(), 1);
  CHECK(load_env({"prog"}, dir.path()).error().code == env_errc::unreadable);
  unsetenv("DSDN_ENV_FILE");

  CHECK(load_env({"prog", "--env-file"}, dir.path()).error().message == "--env-file needs a path");

  auto bad = dir.write("bad.env", "DSDN_T_PARTIAL=1\noops\n");
  auto r = load_env({"prog", "--env-file", bad}, dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == env_errc::malformed);
  CHECK(r.error().message.find(bad + ":2:") == 0);
  CHECK(getenv("DSDN_T_PARTIAL") == nullptr);  // all or nothing

  // An auto-detected file is held to the same syntax.
  dir.write(".env", "broken line\n");
  auto autodetected = load_env({"prog"}, dir.path());
  REQUIRE_FALSE(autodetected.ok());
  CHECK(autodetected.error().message.find("/.env:1:") != std::string::npos);
}
