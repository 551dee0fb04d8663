// System test: a 2-of-3 committee of real `serve` processes whose peer links use mutual TLS
// (caf::openssl) with certificates from scripts/devnet-certs.sh. Three members connect, stay
// connected and sign; a member without a certificate from the committee's CA (self-signed, or
// no TLS at all) is never connected, whichever side dials; a member with a valid certificate
// but another identity key than the committee file lists for its id is refused at the hello.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_process.hpp"
#include "system/committee_client.hpp"
#include "system/process.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string token = "committee-tls-test-token";

/// Runs `command` through /bin/sh (output to `log`); REQUIREs exit code 0.
void run_shell(const std::string& command, const std::string& log) {
  systest::child_process p({"/bin/sh", "-c", command}, log);
  REQUIRE(p.started());
  REQUIRE_MESSAGE(p.wait(120s) == 0, p.output());
}

json read_json(const std::string& path) {
  return json::parse(clirun::read_file(path));
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::trunc) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

struct member_proc {
  uint16_t peer_port = 0;
  uint16_t http_port = 0;
  std::unique_ptr<systest::child_process> proc;
};

/// Keys for members a, b, c and TLS certificates from one CA; starts and stops members with
/// any TLS flags and key files.
struct tls_committee {
  std::string dir;
  std::map<std::string, member_proc> members;
  int starts = 0;

  tls_committee() {
    char tmpl[] = "/tmp/dsdn-committee-tls-XXXXXX";
    dir = ::mkdtemp(tmpl);
    for (const char* id : {"a", "b", "c"})
      members[id] = member_proc{clirun::free_port(), clirun::free_port(), nullptr};
    keygen(dir + "/keys");
    run_shell("'" + systest::repo_root() + "/scripts/devnet-certs.sh' '" + dir + "/certs' a b c",
              dir + "/certs.log");
  }

  ~tls_committee() {
    for (auto& [id, m] : members)
      stop(id);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// A committee for a, b, c at this fixture's peer addresses (fresh keys each time).
  void keygen(const std::string& out) {
    std::string spec;
    for (const auto& [id, m] : members)
      spec += (spec.empty() ? "" : ",") + id + "=127.0.0.1:" + std::to_string(m.peer_port);
    systest::child_process p(
        {DSDN_COORDINATOR_BIN, "keygen", "--threshold", "2", "--members", spec, "--out", out},
        out + ".log");
    REQUIRE_MESSAGE(p.wait(30s) == 0, p.output());
  }

  /// The TLS flags with `id`'s certificate from the committee's CA.
  std::vector<std::string> ca_tls(const std::string& id) const {
    return {"--peer-tls-cert", dir + "/certs/" + id + ".pem",
            "--peer-tls-key",  dir + "/certs/" + id + ".key",
            "--peer-tls-ca",   dir + "/certs/ca.pem"};
  }

  /// Starts member `id` with `tls` flags and (by default) the committee's key files.
  void start(const std::string& id, const std::vector<std::string>& tls,
             const std::string& keys = "") {
    const std::string k = keys.empty() ? dir + "/keys" : keys;
    auto& m = members.at(id);
    std::vector<std::string> args{DSDN_COORDINATOR_BIN,
                                  "serve",
                                  "--mock-da",
                                  "--port",
                                  std::to_string(m.http_port),
                                  "--data-dir",
                                  dir + "/data-" + id + "-" + std::to_string(++starts),
                                  "--api-token",
                                  token,
                                  "--committee",
                                  k + "/committee.json",
                                  "--member-key",
                                  k + "/member-" + id + ".json"};
    args.insert(args.end(), tls.begin(), tls.end());
    m.proc = std::make_unique<systest::child_process>(
        args, dir + "/" + id + "-" + std::to_string(starts) + ".log");
    REQUIRE(m.proc->started());
    REQUIRE_MESSAGE(m.proc->wait_for_output("serve_listening url=", 60s), m.proc->output());
  }

  void stop(const std::string& id) {
    auto& m = members.at(id);
    if (!m.proc)
      return;
    m.proc->signal(SIGTERM);
    m.proc->wait(20s);
    m.proc.reset();
  }

  systest::committee_client client(const std::string& id) const {
    return {"http://127.0.0.1:" + std::to_string(members.at(id).http_port), token};
  }

  std::string log_of(const std::string& id) const { return members.at(id).proc->output(); }

  /// For `watch` seconds: `honest` see each other (and only each other) connected, never
  /// `outsider`. Returns each honest member's last view of the outsider.
  std::map<std::string, json> check_shut_out(const std::set<std::string>& honest,
                                             const std::string& outsider,
                                             std::chrono::milliseconds watch = 3s) {
    for (const auto& id : honest)
      REQUIRE_MESSAGE(client(id).wait_connected(honest, 30s), log_of(id));
    const auto deadline = std::chrono::steady_clock::now() + watch;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& id : honest)
        REQUIRE_MESSAGE(client(id).connected() == honest, log_of(id));
      std::this_thread::sleep_for(100ms);
    }
    std::map<std::string, json> views;
    for (const auto& id : honest)
      views[id] = systest::committee_client::member(client(id).status(), outsider);
    return views;
  }
};

}  // namespace

TEST_CASE("TLS committee: three members connect, stay connected and sign") {
  REQUIRE(sodium_init() >= 0);
  tls_committee f;
  for (const char* id : {"a", "b", "c"})
    f.start(id, f.ca_tls(id));
  const std::set<std::string> all{"a", "b", "c"};
  for (const char* id : {"a", "b", "c"})
    REQUIRE_MESSAGE(f.client(id).wait_connected(all, 30s), f.log_of(id));

  for (int i = 0; i < 6; ++i) {
    const char* via = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
    auto signers =
        f.client(via).sign_and_verify(systest::hex_of("tls message " + std::to_string(i)));
    CHECK(signers == std::vector<std::string>{"a", "b"});
  }

  // The links stay up: every member keeps seeing all three, and no link ever went down (the
  // crossing dials of both members used to break TLS links every few seconds).
  const auto deadline = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const char* id : {"a", "b", "c"})
      CHECK(f.client(id).connected() == all);
    std::this_thread::sleep_for(200ms);
  }
  for (const char* id : {"a", "b", "c"}) {
    INFO(f.log_of(id));
    CHECK(f.log_of(id).find("committee_link_down") == std::string::npos);
    CHECK(f.log_of(id).find("tls=true") != std::string::npos);
  }
  CHECK(f.client("c").sign_and_verify(systest::hex_of("after the wait")).size() == 2);
}

TEST_CASE("TLS committee: a member without a certificate from the CA cannot connect") {
  REQUIRE(sodium_init() >= 0);
  tls_committee f;
  // A self-signed certificate (trusting the real CA itself, so only its own side is wrong).
  run_shell("openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1 -subj /CN=rogue -keyout '" +
                f.dir + "/rogue.key' -out '" + f.dir + "/rogue.pem'",
            f.dir + "/rogue.log");
  const std::vector<std::string> self_signed{"--peer-tls-cert", f.dir + "/rogue.pem",
                                             "--peer-tls-key",  f.dir + "/rogue.key",
                                             "--peer-tls-ca",   f.dir + "/certs/ca.pem"};

  SUBCASE("self-signed certificate on the member that dials (a)") {
    f.start("a", self_signed);
    f.start("b", f.ca_tls("b"));
    f.start("c", f.ca_tls("c"));
    auto views = f.check_shut_out({"b", "c"}, "a");
    for (const auto& [id, a] : views) {
      CHECK(a["connected"] == false);
      CHECK(a["last_error"].get<std::string>().find("waiting for a to connect") !=
            std::string::npos);
    }
    // a's dials fail in the TLS handshake; a never gets a signing peer.
    auto own = systest::committee_client::member(f.client("a").status(), "b");
    CHECK(own["connected"] == false);
    CHECK(own["last_error"].get<std::string>().find("connect failed") != std::string::npos);
  }
  SUBCASE("no TLS at all on the member that is dialed (c)") {
    f.start("a", f.ca_tls("a"));
    f.start("b", f.ca_tls("b"));
    f.start("c", {});
    auto views = f.check_shut_out({"a", "b"}, "c");
    for (const auto& [id, c] : views) {
      CHECK(c["connected"] == false);
      CHECK(c["last_error"].get<std::string>().find("connect failed") != std::string::npos);
    }
    CHECK(f.client("c").connected() == std::set<std::string>{"c"});
  }
  // The two honest members (b in either case) still make signatures.
  CHECK(f.client("b").sign_and_verify(systest::hex_of("two of three")).size() == 2);
}

TEST_CASE("TLS committee: a valid certificate with the wrong identity key is refused at hello") {
  REQUIRE(sodium_init() >= 0);
  tls_committee f;
  // b's impostor: b's real FROST share, but the identity key of another keygen's b; its own
  // committee file lists that key for b, so it loads and runs. a and c hold the real file.
  f.keygen(f.dir + "/other");
  const std::string fake = f.dir + "/impostor";
  std::filesystem::create_directories(fake);
  auto member = read_json(f.dir + "/keys/member-b.json");
  member["identity_secret_key"] = read_json(f.dir + "/other/member-b.json")["identity_secret_key"];
  auto committee = read_json(f.dir + "/keys/committee.json");
  const auto other = read_json(f.dir + "/other/committee.json");
  for (size_t i = 0; i < committee["members"].size(); ++i)
    if (committee["members"][i]["id"] == "b")
      committee["members"][i]["identity_public_key"] = other["members"][i]["identity_public_key"];
  write_file(fake + "/member-b.json", member.dump(), 0600);
  write_file(fake + "/committee.json", committee.dump(), 0644);

  f.start("a", f.ca_tls("a"));
  f.start("b", f.ca_tls("b"), fake);
  f.start("c", f.ca_tls("c"));
  // a dials b and checks b's hello; b dials c, and c checks b by its hello back. Both refuse.
  auto views = f.check_shut_out({"a", "c"}, "b");
  for (const auto& [id, b] : views) {
    INFO(id << ": " << b.dump());
    CHECK(b["connected"] == false);
    CHECK(b["last_error"].get<std::string>().find(
              "hello refused: the signature does not match the identity key the committee file "
              "lists for b") != std::string::npos);
    CHECK(f.log_of(id).find("hello refused") != std::string::npos);
  }
  CHECK(f.client("a").sign_and_verify(systest::hex_of("without b")) ==
        std::vector<std::string>{"a", "c"});
}
