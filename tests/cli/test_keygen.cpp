// `keygen` through run_cli: the files it writes (modes, contents that load back and sign), and
// the arguments and situations it refuses without writing anything.

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include <doctest/doctest.h>

#include "cli/env_guard.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/frost.hpp"

using namespace dsdn;
using namespace dsdn::cli;

namespace {

struct outcome {
  int status;
  std::string out;
  std::string err;
};

outcome keygen(const std::vector<std::string>& args) {
  clitest::env_guard guard({"DSDN_ENV_FILE"});
  std::ostringstream out, err;
  std::vector<std::string> full{"dsdn-coordinator", "keygen"};
  full.insert(full.end(), args.begin(), args.end());
  int status = run_cli(full, out, err);
  return {status, out.str(), err.str()};
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

const std::string three = "a=127.0.0.1:7001,b=127.0.0.1:7002,c=127.0.0.1:7003";

}  // namespace

TEST_CASE("keygen writes a committee that loads back and signs 2-of-3") {
  clitest::temp_dir tmp;
  const std::string dir = tmp.path() + "/keys";
  auto r = keygen({"--threshold", "2", "--members", three, "--out", dir});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("threshold=2 members=3") != std::string::npos);
  CHECK(r.out.find("member b " + dir + "/member-b.json") != std::string::npos);

  CHECK(mode_of(dir + "/member-a.json") == 0600);
  CHECK(mode_of(dir + "/member-b.json") == 0600);
  CHECK(mode_of(dir + "/member-c.json") == 0600);
  CHECK((mode_of(dir + "/committee.json") & 022) == 0);

  auto c = multi::load_committee(dir + "/committee.json");
  REQUIRE(c.ok());
  CHECK(c->threshold == 2);
  REQUIRE(c->members.size() == 3);
  CHECK(c->members[1].id == "b");
  CHECK(c->members[1].address == "127.0.0.1:7002");

  // Two members' shares make a valid signature under the group key.
  auto a = multi::load_member(dir + "/member-a.json", c.value());
  auto cm = multi::load_member(dir + "/member-c.json", c.value());
  REQUIRE(a.ok());
  REQUIRE(cm.ok());
  CHECK(a->identity.public_key_bytes() == c->members[0].identity_public_key);
  auto ra = multi::commit(a->key);
  auto rc = multi::commit(cm->key);
  std::vector<uint8_t> msg = {'h', 'i'};
  auto pkg = multi::signing_package::create({ra.commitments, rc.commitments}, msg);
  REQUIRE(pkg.ok());
  auto sa = multi::sign(pkg.value(), std::move(ra.nonces), a->key);
  auto sc = multi::sign(pkg.value(), std::move(rc.nonces), cm->key);
  REQUIRE(sa.ok());
  REQUIRE(sc.ok());
  auto sig = multi::aggregate(pkg.value(), {sa.value(), sc.value()}, c->public_keys());
  REQUIRE(sig.ok());
  CHECK(multi::verify_signature(c->group_public_key, msg.data(), msg.size(), sig.value()));
}

TEST_CASE("keygen refuses bad arguments and writes nothing") {
  clitest::temp_dir tmp;
  const std::string dir = tmp.path() + "/keys";
  struct bad_case {
    std::vector<std::string> args;
    const char* says;
  };
  const bad_case cases[] = {
      {{"--threshold", "4", "--members", three, "--out", dir}, "threshold"},
      {{"--threshold", "1", "--members", three, "--out", dir}, "threshold"},
      {{"--threshold", "-2", "--members", three, "--out", dir}, "threshold"},
      {{"--threshold", "2", "--members", "a=127.0.0.1:1,a=127.0.0.1:2", "--out", dir}, "a"},
      {{"--threshold", "2", "--members", "a=127.0.0.1:1,b", "--out", dir}, "ID=HOST:PORT"},
      {{"--threshold", "2", "--members", "a=127.0.0.1:1,=127.0.0.1:2", "--out", dir},
       "ID=HOST:PORT"},
      {{"--threshold", "2", "--members", "a=127.0.0.1:1,b=nohostport", "--out", dir}, "b"},
      {{"--threshold", "2", "--members", "a b=127.0.0.1:1,c=127.0.0.1:2", "--out", dir}, ""},
      {{"--members", three, "--out", dir}, "--threshold"},
      {{"--threshold", "2", "--out", dir}, "--members"},
      {{"--threshold", "2", "--members", three}, "--out"},
  };
  for (const auto& c : cases) {
    auto r = keygen(c.args);
    INFO(r.err);
    CHECK(r.status == exit_usage);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir + "/committee.json"));
  }
}

TEST_CASE("keygen refuses to overwrite existing key files") {
  clitest::temp_dir tmp;
  const std::string dir = tmp.path() + "/keys";
  REQUIRE(keygen({"--threshold", "2", "--members", three, "--out", dir}).status == 0);
  auto before = multi::load_committee(dir + "/committee.json");
  REQUIRE(before.ok());

  auto r = keygen({"--threshold", "2", "--members", three, "--out", dir});
  CHECK(r.status == exit_failure);
  CHECK(r.err.find("exist") != std::string::npos);
  auto after = multi::load_committee(dir + "/committee.json");
  REQUIRE(after.ok());
  CHECK(after->group_public_key == before->group_public_key);

  // A member file alone in the way also stops it.
  const std::string dir2 = tmp.path() + "/keys2";
  std::filesystem::create_directories(dir2);
  tmp.write("keys2/member-c.json", "{}");
  r = keygen({"--threshold", "2", "--members", three, "--out", dir2});
  CHECK(r.status == exit_failure);
  CHECK_FALSE(std::filesystem::exists(dir2 + "/committee.json"));
}
