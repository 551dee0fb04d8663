#pragma once
// Shared pieces of the Celestia client socket tests: a client configured for a script_server,
// blob JSON as a node returns it, and literals from ../shared/specs/celestia/EXAMPLES.md.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "dsdn/da/namespace.hpp"
#include "dsdn/da/share_commitment.hpp"
#include "dsdn/http/celestia_da.hpp"
#include "http/celestia_script_server.hpp"

namespace dsdn::http_test {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// The namespace of EXAMPLES.md sections 1a, 1b, 2 and 3.
inline da::celestia_namespace example_ns() {
  auto ns = da::parse_blob_namespace("000000000000000000000000000000000000000102030405060708090a");
  REQUIRE(ns.ok());
  return ns.value();
}

/// Another valid blob namespace (the OpenRPC examples').
inline da::celestia_namespace foreign_ns() {
  auto ns = da::parse_blob_namespace("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=");
  REQUIRE(ns.ok());
  return ns.value();
}

inline da::blob_bytes bytes_of(std::string_view s) {
  return da::blob_bytes(s.begin(), s.end());
}

inline da::commitment commit_of(std::string_view b64) {
  auto raw = da::base64_decode(b64);
  REQUIRE(raw);
  REQUIRE(raw->size() == 32);
  da::commitment c{};
  std::copy(raw->begin(), raw->end(), c.begin());
  return c;
}

/// A config for `server`: short timeouts and delays so failure paths run fast.
inline da::celestia_config config_for(const script_server& server) {
  da::celestia_config cfg;
  cfg.rpc_url = server.url();
  cfg.auth_token = "test-token";
  cfg.ns = example_ns();
  cfg.timeout = 2000ms;
  cfg.retry_count = 3;
  cfg.retry_delay = 10ms;
  cfg.retry_delay_cap = 40ms;
  cfg.search_depth = 5;
  cfg.health_timeout = 500ms;
  return cfg;
}

inline std::unique_ptr<da::celestia_da> open_client(const da::celestia_config& cfg) {
  auto c = da::open_celestia_client(cfg);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
  return std::move(c).value();
}

/// A Blob object as a node returns it, with its true commitment unless `commitment` is given.
inline json blob_json(const da::celestia_namespace& ns, std::string_view data, int64_t index,
                      std::string commitment = {}) {
  auto bytes = bytes_of(data);
  if (commitment.empty()) {
    auto c = da::share_commitment(ns, bytes);
    REQUIRE(c.ok());
    commitment = da::commitment_base64(c.value());
  }
  return json{{"namespace", ns.base64()},
              {"data", da::base64_encode(bytes.data(), bytes.size())},
              {"share_version", 0},
              {"commitment", commitment},
              {"index", index}};
}

/// A minimal ExtendedHeader reply for `height` (a string, as tmjson writes it).
inline scripted_reply header_reply(uint64_t height) {
  return result_reply(json{{"header", {{"chain_id", "test"}, {"height", std::to_string(height)}}}});
}

/// The `[height, [ns]]` height of a GetAll request.
inline uint64_t height_param(const json& params) {
  return params.is_array() && !params.empty() && params[0].is_number_unsigned()
             ? params[0].get<uint64_t>()
             : 0;
}

inline const char* const deposit = R"({"seq":1,"event":"deposit"})";
inline const char* const withdraw = R"({"seq":2,"event":"withdraw"})";
inline const char* const deposit_commitment = "fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=";
inline const char* const withdraw_commitment = "bl03uvBqwbXa1WLn6YpQgta0caunv2d7ee9amIiU9e8=";

/// EXAMPLES.md section 3, "Found: two blobs, in square order".
inline const char* const get_all_found =
    R"({"jsonrpc":"2.0","id":4,"result":[
 {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9","share_version":0,"commitment":"fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=","index":10},
 {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjIsImV2ZW50Ijoid2l0aGRyYXcifQ==","share_version":0,"commitment":"bl03uvBqwbXa1WLn6YpQgta0caunv2d7ee9amIiU9e8=","index":11}
]})";

/// EXAMPLES.md section 4: header.NetworkHead's reply, verbatim (height "67374").
inline const char* const network_head_literal = R"({"jsonrpc":"2.0","id":5,"result":{
  "header": {
    "version": {"block": "11"},
    "chain_id": "mocha-4",
    "height": "67374",
    "time": "2023-02-25T12:10:28.067566292Z",
    "last_block_id": {"hash": "47A2C7758760988500B2F043D3903BBBF1C8B383CA33CF7056AA45E22055663E",
                      "parts": {"total": 1, "hash": "33B012F244E27672169DD3D62CDBC92DA9486E410A5530F41FE6A890D8E2EE42"}},
    "last_commit_hash": "888D47F5E9473501C99F2B6136B6B9FFBC9D1CD2F54002BCD5DF002FFEF0A83D",
    "data_hash": "257760461993F8F197B421EC7435F3C36C3734923E3DA9A42DC73B05F07B3D08",
    "validators_hash": "883A0C92B8D976312B249C1397E73CF2981A9EB715717CBEE3800B8380C22C1D",
    "next_validators_hash": "883A0C92B8D976312B249C1397E73CF2981A9EB715717CBEE3800B8380C22C1D",
    "consensus_hash": "048091BC7DDC283F77BFBF91D73C44DA58C3DF8A9CBC867405D8B7F3DAADA22F",
    "app_hash": "1FC70854A185737C7FD720FCCE9167876EE4B9ABE23DB1EBB8C552D3E3978435",
    "last_results_hash": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "evidence_hash": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "proposer_address": "57DC09D28388DBF977CFC30EF50BE8B644CCC1FA"
  },
  "validator_set": {
    "validators": [{"address": "57DC09D28388DBF977CFC30EF50BE8B644CCC1FA",
                    "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "aoB4xU9//HAqOP9ciyp0+PTdZxt/UGKgZOabU6JxW8o="},
                    "voting_power": "5000000000", "proposer_priority": "0"}],
    "proposer": {"address": "57DC09D28388DBF977CFC30EF50BE8B644CCC1FA",
                 "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "aoB4xU9//HAqOP9ciyp0+PTdZxt/UGKgZOabU6JxW8o="},
                 "voting_power": "5000000000", "proposer_priority": "0"}
  },
  "commit": {
    "height": "67374",
    "round": 0,
    "block_id": {"hash": "A7F6B1CF33313121539206754A73FDC22ADA48C4AA8C4BB4F707ED2E089E59D3",
                 "parts": {"total": 1, "hash": "6634FE1E1DDDCB9914ACE81F146013986F5FDA03A8F1C16DC5ECA0D9B0E08FBC"}},
    "signatures": [{"block_id_flag": 2, "validator_address": "57DC09D28388DBF977CFC30EF50BE8B644CCC1FA",
                    "timestamp": "2023-02-25T12:10:38.130121476Z",
                    "signature": "HyR/uRIUNc5GNqQteZyrVjJM47SI9sRAgrLsNqJDls3AzbvHUfN4zzWyw0afyEvNm98Bm2GIoJoZC5D8oQvdBA=="}]
  },
  "dah": {
    "row_roots": ["//////////7//////////ql+/VFmJ8PWE9BcjrTDLrY/hzVeGdzFCpfEhiXDXZmt",
                  "/////////////////////zHeGnUtPJn8QyPpePSYl4qRVrcUvG2fwptyoA85Myik"],
    "column_roots": ["//////////7//////////ql+/VFmJ8PWE9BcjrTDLrY/hzVeGdzFCpfEhiXDXZmt",
                     "/////////////////////zHeGnUtPJn8QyPpePSYl4qRVrcUvG2fwptyoA85Myik"]
  }
}})";

}  // namespace dsdn::http_test
