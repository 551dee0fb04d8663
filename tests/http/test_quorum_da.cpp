// QuorumDA against real DA nodes on 127.0.0.1:0 (and scripted validators for the misbehaving
// cases): quorum writes, validators down, wrong signers, early success and abort, verified
// reads, the durable height index and the health probe.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "dsdn/actors/logging.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/da/quorum_proof.hpp"
#include "dsdn/http/da_node.hpp"
#include "dsdn/http/quorum_da.hpp"
#include "http/celestia_script_server.hpp"

namespace dsdn::http_test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// A temp dir removed at the end.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/dsdn-quorum-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// A real DA node as a validator.
struct validator_node {
  std::unique_ptr<http::da_node_server> server;
  std::string url;
  core::public_key key{};

  validator_node(const std::string& dir, const std::string& token) {
    http::da_node_config cfg;
    cfg.port = 0;
    cfg.data_dir = dir;
    cfg.block_time_ms = 50;
    cfg.auth_token = token;
    auto s = http::da_node_server::start(cfg);
    REQUIRE_MESSAGE(s.ok(), "da node failed to start");
    server = std::move(s).value();
    url = "http://127.0.0.1:" + std::to_string(server->port());
    REQUIRE(core::from_hex(server->validator_key_hex(), key.data(), key.size()));
  }
};

/// A scripted validator: signs with `signer` and claims `claimed` as its key.
void sign_with(script_server& s, const core::identity_key& signer, const core::public_key& claimed,
               bool over_other_bytes = false) {
  s.handle("dsdn.StoreAndSign", [&signer, claimed, over_other_bytes](const json& params) {
    auto data = da::base64_decode(params[0].get<std::string>()).value();
    const auto digest = core::sha256(data.data(), data.size());
    if (over_other_bytes) {
      data.push_back('!');
    }
    const auto sig = da::quorum_sign(signer, data.data(), data.size());
    return result_reply({{"commitment", da::base64_encode(digest.data(), digest.size())},
                         {"signature", da::base64_encode(sig.data(), sig.size())},
                         {"validator_key", da::base64_encode(claimed.data(), claimed.size())}});
  });
}

/// `count` real validators and the config that lists them.
struct quorum_fixture {
  temp_dir dir;
  std::string token;
  std::vector<std::unique_ptr<validator_node>> nodes;
  da::quorum_da_config cfg;

  explicit quorum_fixture(size_t count, unsigned pct = 67, std::string tok = "secret")
      : token(std::move(tok)) {
    configure_logging("error", "text");
    for (size_t i = 0; i < count; ++i) {
      nodes.push_back(
          std::make_unique<validator_node>(dir.path + "/node" + std::to_string(i), token));
      add(nodes.back()->url, nodes.back()->key);
    }
    cfg.threshold_pct = pct;
    cfg.signature_timeout = 3000ms;
    cfg.health_timeout = 1000ms;
    cfg.auth_token = token;
    cfg.index_path = dir.path + "/coordinator/quorum_index.sqlite";
  }
  void add(const std::string& url, const core::public_key& key) {
    cfg.validator_urls.push_back(url);
    cfg.validator_keys.push_back(key);
  }
  /// Adds `s` as a validator that answers a store only after 2.5 s (well within the timeout).
  void add_stalled(script_server& s) {
    s.handle("dsdn.StoreAndSign", [](const json&) { return scripted_reply{200, "{}", 2500ms}; });
    add(s.url(), core::identity_key::generate().public_key_bytes());
    cfg.signature_timeout = 5000ms;
  }
  /// Stops validator `i`; its port now refuses connections.
  void stop(size_t i) { nodes[i]->server->stop(); }
  std::unique_ptr<da::quorum_da> open() {
    auto q = da::open_quorum_client(cfg);
    REQUIRE_MESSAGE(q.ok(), (q.ok() ? "" : q.error().message));
    return std::move(q).value();
  }
};

da::blob_bytes bytes(const std::string& s) {
  return da::blob_bytes(s.begin(), s.end());
}

long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since).count());
}

TEST_CASE("quorum da: a write reaches every validator, reads come back verified") {
  quorum_fixture f(3);
  auto q = f.open();
  CHECK(q->required() == 3);
  CHECK(q->healthy());
  CHECK(q->head_height().value() == 0);
  auto r = q->submit({bytes("first blob"), bytes("second blob")});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r.value().height == 1);
  REQUIRE(r.value().commitments.size() == 2);
  const auto d = core::sha256(reinterpret_cast<const uint8_t*>("first blob"), 10);
  CHECK(std::equal(d.begin(), d.end(), r.value().commitments[0].begin()));
  REQUIRE(q->submit({bytes("third blob")}).ok());
  CHECK(q->head_height().value() == 2);

  auto h1 = q->get_all(1);
  REQUIRE(h1.ok());
  REQUIRE(h1.value().size() == 2);
  CHECK(h1.value()[0].data == bytes("first blob"));
  CHECK(h1.value()[1].index == 1);
  CHECK(h1.value()[1].data == bytes("second blob"));
  CHECK(q->get_all(3).value().empty());
  CHECK(q->get_all(0).value().empty());

  // A height is never split; the first one comes whole even beyond max_blobs.
  auto range = q->get_range(1, 10, 1);
  REQUIRE(range.ok());
  CHECK(range.value().size() == 2);
  range = q->get_range(1, 10, 3);
  REQUIRE(range.value().size() == 3);
  CHECK(range.value()[2].height == 2);
  CHECK(q->get_range(2, 2, 10).value().size() == 1);
  CHECK(q->stats().rounds == 3);
  CHECK(q->stats().rounds_failed == 0);
}

TEST_CASE("quorum da: the height index survives a restart") {
  quorum_fixture f(3);
  {
    auto q = f.open();
    REQUIRE(q->submit({bytes("kept")}).ok());
    REQUIRE(q->submit({bytes("also kept")}).ok());
  }
  auto q = f.open();
  CHECK(q->head_height().value() == 2);
  CHECK(q->get_all(2).value().at(0).data == bytes("also kept"));
  CHECK(q->submit({bytes("next")}).value().height == 3);
}

TEST_CASE("quorum da: one of four validators down still reaches 67%, two down fail") {
  quorum_fixture f(4);
  auto q = f.open();
  CHECK(q->required() == 3);
  f.stop(1);
  auto one_down = q->submit({bytes("with one down")});
  REQUIRE_MESSAGE(one_down.ok(), (one_down.ok() ? "" : one_down.error().message));
  CHECK(q->healthy());
  // Reads skip the validator that is down.
  CHECK(q->get_all(one_down.value().height).value().at(0).data == bytes("with one down"));

  f.stop(3);
  auto two_down = q->submit({bytes("with two down")});
  REQUIRE_FALSE(two_down.ok());
  const auto& msg = two_down.error().message;
  CHECK(two_down.error().code == da::da_errc::unavailable);
  CHECK(msg.find(" of 3 required valid signatures") != std::string::npos);
  CHECK(msg.find(f.nodes[1]->url) != std::string::npos);
  CHECK(msg.find(f.nodes[3]->url) != std::string::npos);
  CHECK(msg.find(f.nodes[0]->url) == std::string::npos);
  CHECK_FALSE(q->healthy());
  CHECK(q->head_height().value() == 1);  // the failed write took no height
  CHECK(q->stats().rounds_failed == 1);
}

TEST_CASE("quorum da: a reply signed by another key or over other bytes does not count") {
  quorum_fixture f(2, 100);
  const auto configured = core::identity_key::generate();
  const auto other = core::identity_key::generate();
  script_server impostor;
  f.add(impostor.url(), configured.public_key_bytes());
  auto q = f.open();

  SUBCASE("signed by another key, claiming the configured one") {
    sign_with(impostor, other, configured.public_key_bytes());
    auto r = q->submit({bytes("blob")});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("validator 2: invalid signature") != std::string::npos);
  }
  SUBCASE("signed by another key, naming it") {
    sign_with(impostor, other, other.public_key_bytes());
    auto r = q->submit({bytes("blob")});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("signed with key " + core::to_hex(other.public_key_bytes().data(),
                                                                   8)) != std::string::npos);
  }
  SUBCASE("the configured key over other bytes") {
    sign_with(impostor, configured, configured.public_key_bytes(), true);
    auto r = q->submit({bytes("blob")});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("validator 2: invalid signature") != std::string::npos);
  }
  SUBCASE("an honest scripted validator counts") {
    sign_with(impostor, configured, configured.public_key_bytes());
    CHECK(q->submit({bytes("blob")}).ok());
    CHECK(q->stats().replies_rejected == 0);
    return;
  }
  CHECK(q->stats().replies_rejected == 1);
  CHECK(q->head_height().value() == 0);
}

TEST_CASE("quorum da: early success does not wait for a stalled validator") {
  quorum_fixture f(3);
  script_server stalled;
  f.add_stalled(stalled);
  auto q = f.open();
  REQUIRE(q->required() == 3);
  const auto start = clock_type::now();
  auto r = q->submit({bytes("fast quorum")});
  const long took = elapsed_ms(start);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(took < 1500);
  CHECK(stalled.count("dsdn.StoreAndSign") == 1);  // it was asked at the same time
  CHECK(q->stats().background_requests == 1);
  stalled.stop();  // ends the stalled reply, so the request thread is joined at once
}

TEST_CASE("quorum da: early abort once the quorum is out of reach") {
  quorum_fixture f(2);
  script_server stalled;
  f.add_stalled(stalled);
  auto q = f.open();
  REQUIRE(q->required() == 3);  // 3 of 3 at 67%
  f.stop(0);
  const auto start = clock_type::now();
  auto r = q->submit({bytes("doomed")});
  CHECK(elapsed_ms(start) < 1500);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(f.nodes[0]->url) != std::string::npos);
  stalled.stop();
}

TEST_CASE("quorum da: a validator returning other bytes is not believed") {
  quorum_fixture f(1, 100);
  const auto liar_key = core::identity_key::generate();
  script_server liar;
  sign_with(liar, liar_key, liar_key.public_key_bytes());
  liar.handle("dsdn.GetByCommitment", [](const json&) {
    const auto other = bytes("forged content");
    return result_reply(da::base64_encode(other.data(), other.size()));
  });
  // The liar first, so a read asks it before the honest node.
  f.cfg.validator_urls.insert(f.cfg.validator_urls.begin(), liar.url());
  f.cfg.validator_keys.insert(f.cfg.validator_keys.begin(), liar_key.public_key_bytes());
  auto q = f.open();
  REQUIRE(q->submit({bytes("the real content")}).ok());
  auto read = q->get_all(1);
  REQUIRE(read.ok());
  CHECK(read.value().at(0).data == bytes("the real content"));
  CHECK(q->stats().read_mismatches == 1);

  f.stop(0);
  read = q->get_all(1);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().code == da::da_errc::corrupt);
  CHECK(read.error().message.find("SHA-256 is not the commitment") != std::string::npos);
  CHECK(read.error().message.find(f.nodes[0]->url) != std::string::npos);
}

TEST_CASE("quorum da: the bearer token reaches the validators") {
  quorum_fixture f(3, 67, "right");
  f.cfg.auth_token = "wrong";
  auto q = f.open();
  CHECK_FALSE(q->healthy());
  auto r = q->submit({bytes("x")});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("HTTP 401") != std::string::npos);
}

TEST_CASE("quorum da: bad configurations are refused before any I/O") {
  temp_dir dir;
  const auto k1 = core::identity_key::generate().public_key_bytes();
  const auto k2 = core::identity_key::generate().public_key_bytes();
  da::quorum_da_config good;
  good.validator_urls = {"http://127.0.0.1:1", "http://127.0.0.1:2"};
  good.validator_keys = {k1, k2};
  good.index_path = dir.path + "/index.sqlite";
  auto refused = [](da::quorum_da_config c, const std::string& part) {
    auto q = da::open_quorum_da(std::move(c));
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == da::da_errc::bad_request);
    CHECK_MESSAGE(q.error().message.find(part) != std::string::npos, q.error().message);
  };
  auto c = good;
  c.validator_keys.pop_back();
  refused(c, "2 validator URLs but 1 validator keys");
  c = good;
  c.validator_urls.clear();
  c.validator_keys.clear();
  refused(c, "no validators");
  c = good;
  c.threshold_pct = 0;
  refused(c, "outside 1..100");
  c = good;
  c.threshold_pct = 101;
  refused(c, "outside 1..100");
  c = good;
  c.validator_urls[1] = "ftp://x";
  refused(c, "validator 1 URL 'ftp://x'");
  c = good;
  c.validator_keys[1] = k1;
  refused(c, "of an earlier validator");
  c = good;
  c.index_path.clear();
  refused(c, "no index path");
  c = good;
  c.signature_timeout = 0ms;
  refused(c, "timeouts must be positive");
  CHECK_FALSE(std::filesystem::exists(good.index_path));
  CHECK(da::open_quorum_da(good).ok());
}

}  // namespace
}  // namespace dsdn::http_test
