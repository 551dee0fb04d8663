#pragma once
// System test helpers for a committee member's HTTP API: its committee view, waiting until
// exactly a given set of members is connected, and a signature requested over POST
// /committee/sign checked byte for byte and verified with libsodium under the group key. Also
// the repository root, where the devnet scripts are.

#include <sodium.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "dsdn/core/crypto.hpp"
#include "dsdn/http/client.hpp"
#include "system/process.hpp"

namespace systest {

/// Hex of a text payload (what /committee/sign takes as message_hex).
inline std::string hex_of(const std::string& text) {
  return dsdn::core::to_hex(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

/// One member's HTTP API, by base URL and API token.
struct committee_client {
  std::string url;  // http://host:port
  std::string token;

  dsdn::result<dsdn::http::response, dsdn::http::client_errc> call(
      const std::string& method, const std::string& target, const std::string& body = "") const {
    auto base = dsdn::http::parse_url(url);
    REQUIRE(base.ok());
    dsdn::http::request_options opt;
    opt.timeout = std::chrono::seconds(20);
    opt.bearer_token = token;
    return dsdn::http::send(base.value(), method, target, body, opt);
  }

  /// GET /committee/status (an empty object when the member does not answer).
  nlohmann::json status() const {
    auto r = call("GET", "/committee/status");
    if (!r || r->status != 200)
      return nlohmann::json::object();
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  /// The member entry `id` of `st` (an empty object when absent).
  static nlohmann::json member(const nlohmann::json& st, const std::string& id) {
    if (st.contains("members"))
      for (const auto& m : st["members"])
        if (m.value("id", "") == id)
          return m;
    return nlohmann::json::object();
  }

  /// The ids this member reports connected (itself included).
  std::set<std::string> connected() const {
    std::set<std::string> out;
    auto st = status();
    if (st.contains("members"))
      for (const auto& m : st["members"])
        if (m.value("connected", false))
          out.insert(m["id"].get<std::string>());
    return out;
  }

  /// Waits until exactly the members in `up` are reported connected.
  bool wait_connected(const std::set<std::string>& up,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (connected() == up)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  /// Signs `payload_hex` through this member, checks the answer and verifies the signature
  /// under the group key; returns the signers.
  std::vector<std::string> sign_and_verify(const std::string& payload_hex) const {
    auto r = call("POST", "/committee/sign", nlohmann::json{{"message_hex", payload_hex}}.dump());
    REQUIRE(r.ok());
    INFO(r->body);
    REQUIRE(r->status == 200);
    auto j = nlohmann::json::parse(r->body);
    CHECK(j["signed_message_hex"] == hex_of("DSDN/v1/operator-message/") + payload_hex);
    const std::string msg_hex = j["signed_message_hex"];
    std::vector<uint8_t> msg(msg_hex.size() / 2), sig(64), key(32);
    REQUIRE(dsdn::core::from_hex(msg_hex, msg.data(), msg.size()));
    REQUIRE(dsdn::core::from_hex(j["signature"].get<std::string>(), sig.data(), sig.size()));
    REQUIRE(dsdn::core::from_hex(j["group_public_key"].get<std::string>(), key.data(), 32));
    CHECK(crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), key.data()) == 0);
    return j["signers"].get<std::vector<std::string>>();
  }
};

}  // namespace systest
