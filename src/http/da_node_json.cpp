// JSON results of the DA node (see da_node_json.hpp).

#include "da_node_json.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "dsdn/da/namespace.hpp"

namespace dsdn::http::dn {

namespace {

template <size_t N>
std::string hex_of(const std::array<uint8_t, N>& a) {
  return upper_hex(a.data(), N);
}

template <size_t N>
std::string b64_of(const std::array<uint8_t, N>& a) {
  return b64(a.data(), N);
}

/// The first 20 bytes of SHA-256(key): tendermint's Ed25519 address.
std::string address_of(const core::public_key& key) {
  const auto h = core::sha256(key.data(), key.size());
  return upper_hex(h.data(), 20);
}

ojson validator_json(const core::public_key& key) {
  return ojson{{"address", address_of(key)},
               {"pub_key", {{"type", "tendermint/PubKeyEd25519"}, {"value", b64_of(key)}}},
               {"voting_power", "1"},
               {"proposer_priority", "0"}};
}

/// One 90-byte DAH root: min namespace | max namespace | SHA-256(kind | height | i | data_hash).
std::string root_of(const da::node_block& b, const da::celestia_namespace& lo,
                    const da::celestia_namespace& hi, char kind, uint64_t i) {
  std::array<uint8_t, 90> root{};
  const auto l = lo.bytes();
  const auto h = hi.bytes();
  std::copy(l.begin(), l.end(), root.begin());
  std::copy(h.begin(), h.end(), root.begin() + 29);
  core::sha256_hasher hasher;
  hasher.update(std::string(1, kind) + std::to_string(b.height) + "/" + std::to_string(i));
  hasher.update(b.data_hash.data(), b.data_hash.size());
  const auto digest = hasher.finish();
  std::copy(digest.begin(), digest.end(), root.begin() + 58);
  return b64_of(root);
}

/// 2k roots: the first k (original rows/columns) span the block's namespaces, or the tail
/// padding namespace in an empty block; the parity half spans the parity namespace.
ojson roots_json(const da::node_block& b, char kind) {
  const auto padding = da::tail_padding_namespace();
  const auto parity = da::parity_shares_namespace();
  const auto lo = b.min_ns.value_or(padding);
  const auto hi = b.max_ns.value_or(padding);
  ojson out = ojson::array();
  for (uint64_t i = 0; i < 2ull * b.square_size; ++i) {
    const bool original = i < b.square_size;
    out.push_back(root_of(b, original ? lo : parity, original ? hi : parity, kind, i));
  }
  return out;
}

}  // namespace

std::string upper_hex(const uint8_t* data, size_t size) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::string b64(const uint8_t* data, size_t size) {
  return da::base64_encode(data, size);
}

std::string rfc3339_nano(int64_t unix_ns) {
  int64_t secs = unix_ns / 1000000000;
  int64_t frac = unix_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    char digits[16];
    std::snprintf(digits, sizeof digits, ".%09lld", static_cast<long long>(frac));
    std::string f = digits;
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  return out + "Z";
}

ojson blob_json(const da::node_blob& b) {
  const auto ns = b.ns.bytes();
  ojson j = ojson::object();
  j["namespace"] = b64_of(ns);
  j["data"] = b64(b.data.data(), b.data.size());
  j["share_version"] = b.share_version;
  j["commitment"] = b64_of(b.commitment);
  if (b.signer)
    j["signer"] = b64_of(*b.signer);
  j["index"] = b.index;
  return j;
}

ojson header_json(const da::node_block& b, const core::public_key& validator,
                  const std::string& chain_id) {
  const std::string height = std::to_string(b.height);
  const std::string time = rfc3339_nano(b.time_ns);
  static const uint8_t nothing = 0;
  const std::string empty_hash = hex_of(core::sha256(&nothing, 0));
  const std::string validators_hash = hex_of(core::sha256(validator.data(), validator.size()));
  const ojson block_id = {{"hash", hex_of(b.hash)},
                          {"parts", {{"total", 1}, {"hash", hex_of(b.hash)}}}};
  ojson header = {
      {"version", {{"block", "11"}, {"app", "1"}}},
      {"chain_id", chain_id},
      {"height", height},
      {"time", time},
      {"last_block_id",
       {{"hash", hex_of(b.last_hash)}, {"parts", {{"total", 1}, {"hash", hex_of(b.last_hash)}}}}},
      {"last_commit_hash", hex_of(b.last_hash)},
      {"data_hash", hex_of(b.data_hash)},
      {"validators_hash", validators_hash},
      {"next_validators_hash", validators_hash},
      {"consensus_hash", empty_hash},
      {"app_hash", empty_hash},
      {"last_results_hash", empty_hash},
      {"evidence_hash", empty_hash},
      {"proposer_address", address_of(validator)},
  };
  ojson validators = ojson::array();
  validators.push_back(validator_json(validator));
  ojson signatures = ojson::array();
  signatures.push_back({{"block_id_flag", 2},
                        {"validator_address", address_of(validator)},
                        {"timestamp", time},
                        {"signature", b64_of(b.signature)}});
  return ojson{
      {"header", header},
      {"validator_set", {{"validators", validators}, {"proposer", validator_json(validator)}}},
      {"commit",
       {{"height", height}, {"round", 0}, {"block_id", block_id}, {"signatures", signatures}}},
      {"dah", {{"row_roots", roots_json(b, 'r')}, {"column_roots", roots_json(b, 'c')}}},
  };
}

}  // namespace dsdn::http::dn
