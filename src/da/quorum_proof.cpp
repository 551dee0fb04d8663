#include "dsdn/da/quorum_proof.hpp"

#include <algorithm>
#include <utility>

namespace dsdn::da {
namespace {

constexpr uint8_t proof_version = 1;
constexpr size_t entry_size = 2 + 64;

quorum_result<size_t> required_or_fail(size_t n, unsigned pct) {
  if (n == 0) {
    return failure<quorum_errc>{quorum_errc::bad_config, "a quorum needs at least one validator"};
  }
  if (n > max_quorum_validators) {
    return failure<quorum_errc>{quorum_errc::bad_config,
                                std::to_string(n) + " validators; at most " +
                                    std::to_string(max_quorum_validators) + " are supported"};
  }
  if (pct < 1 || pct > 100) {
    return failure<quorum_errc>{quorum_errc::bad_config,
                                "quorum threshold " + std::to_string(pct) + "% is outside 1..100"};
  }
  return (n * pct + 99) / 100;
}

}  // namespace

const char* to_string(quorum_errc e) {
  switch (e) {
    case quorum_errc::bad_config:
      return "bad_config";
    case quorum_errc::malformed:
      return "malformed";
    case quorum_errc::unknown_validator:
      return "unknown_validator";
    case quorum_errc::invalid_signature:
      return "invalid_signature";
    case quorum_errc::not_reached:
      return "not_reached";
  }
  return "unknown";
}

const char* to_string(collect_state s) {
  switch (s) {
    case collect_state::pending:
      return "pending";
    case collect_state::succeeded:
      return "succeeded";
    case collect_state::failed:
      return "failed";
  }
  return "unknown";
}

const char* to_string(response_verdict v) {
  switch (v) {
    case response_verdict::accepted:
      return "accepted";
    case response_verdict::error_recorded:
      return "error_recorded";
    case response_verdict::invalid_signature:
      return "invalid_signature";
    case response_verdict::duplicate:
      return "duplicate";
    case response_verdict::unknown_validator:
      return "unknown_validator";
  }
  return "unknown";
}

quorum_result<size_t> quorum_required(size_t validators, unsigned threshold_pct) {
  return required_or_fail(validators, threshold_pct);
}

core::sha256_digest quorum_message(const uint8_t* blob, size_t size) {
  return core::sha256(blob, size);
}

core::signature quorum_sign(const core::identity_key& key, const uint8_t* blob, size_t size) {
  const auto digest = quorum_message(blob, size);
  return key.sign(digest.data(), digest.size());
}

std::vector<uint8_t> encode_proof(const quorum_proof& proof) {
  auto sigs = proof.signatures;
  std::stable_sort(
      sigs.begin(), sigs.end(),
      [](const quorum_signature& a, const quorum_signature& b) { return a.index < b.index; });
  sigs.erase(std::unique(sigs.begin(), sigs.end(),
                         [](const quorum_signature& a, const quorum_signature& b) {
                           return a.index == b.index;
                         }),
             sigs.end());
  const size_t count = std::min(sigs.size(), max_quorum_validators);
  std::vector<uint8_t> out;
  out.reserve(3 + count * entry_size);
  out.push_back(proof_version);
  out.push_back(static_cast<uint8_t>(count & 0xff));
  out.push_back(static_cast<uint8_t>(count >> 8));
  for (size_t i = 0; i < count; ++i) {
    out.push_back(static_cast<uint8_t>(sigs[i].index & 0xff));
    out.push_back(static_cast<uint8_t>(sigs[i].index >> 8));
    out.insert(out.end(), sigs[i].sig.begin(), sigs[i].sig.end());
  }
  return out;
}

quorum_result<quorum_proof> decode_proof(const uint8_t* data, size_t size) {
  auto bad = [](const std::string& why) {
    return failure<quorum_errc>{quorum_errc::malformed, "quorum proof: " + why};
  };
  if (size < 3) {
    return bad(std::to_string(size) + " bytes, shorter than the 3-byte header");
  }
  if (data[0] != proof_version) {
    return bad("version " + std::to_string(data[0]) + " (this build reads version 1)");
  }
  const size_t count = static_cast<size_t>(data[1]) | static_cast<size_t>(data[2]) << 8;
  if (size != 3 + count * entry_size) {
    return bad(std::to_string(size) + " bytes for " + std::to_string(count) + " signatures (" +
               std::to_string(3 + count * entry_size) + " expected)");
  }
  quorum_proof proof;
  proof.signatures.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* p = data + 3 + i * entry_size;
    quorum_signature s;
    s.index = static_cast<uint16_t>(p[0] | p[1] << 8);
    std::copy(p + 2, p + entry_size, s.sig.begin());
    if (i > 0 && s.index <= proof.signatures.back().index) {
      return bad("validator indices are not strictly increasing at entry " + std::to_string(i));
    }
    proof.signatures.push_back(s);
  }
  return proof;
}

quorum_result<size_t> verify_proof(const uint8_t* blob, size_t size,
                                   const std::vector<core::public_key>& keys,
                                   unsigned threshold_pct, const quorum_proof& proof) {
  auto required = required_or_fail(keys.size(), threshold_pct);
  if (!required.ok()) {
    return required.error();
  }
  const auto message = quorum_message(blob, size);
  std::vector<bool> seen(keys.size(), false);
  for (const auto& s : proof.signatures) {
    if (s.index >= keys.size()) {
      return failure<quorum_errc>{quorum_errc::unknown_validator,
                                  "quorum proof names validator " + std::to_string(s.index) +
                                      " of a set of " + std::to_string(keys.size())};
    }
    if (seen[s.index]) {
      return failure<quorum_errc>{quorum_errc::malformed, "quorum proof names validator " +
                                                              std::to_string(s.index) + " twice"};
    }
    seen[s.index] = true;
    if (!core::verify_signature(keys[s.index], message.data(), message.size(), s.sig)) {
      return failure<quorum_errc>{
          quorum_errc::invalid_signature,
          "quorum proof: the signature of validator " + std::to_string(s.index) + " (key " +
              core::to_hex(keys[s.index].data(), 8) + "…) does not verify over SHA-256(blob)"};
    }
  }
  const size_t valid = proof.signatures.size();
  if (valid < required.value()) {
    return failure<quorum_errc>{quorum_errc::not_reached,
                                "quorum proof has " + std::to_string(valid) + " of " +
                                    std::to_string(required.value()) + " required signatures (" +
                                    std::to_string(keys.size()) + " validators at " +
                                    std::to_string(threshold_pct) + "%)"};
  }
  return valid;
}

quorum_result<signature_collector> signature_collector::create(std::vector<core::public_key> keys,
                                                               unsigned threshold_pct,
                                                               const core::sha256_digest& message) {
  auto required = required_or_fail(keys.size(), threshold_pct);
  if (!required.ok()) {
    return required.error();
  }
  signature_collector c;
  c.required_ = required.value();
  c.answered_.assign(keys.size(), false);
  c.keys_ = std::move(keys);
  c.message_ = message;
  return c;
}

std::optional<response_verdict> signature_collector::claim(size_t index) {
  if (index >= keys_.size()) {
    unknown_ += 1;
    return response_verdict::unknown_validator;
  }
  if (answered_[index]) {
    duplicates_ += 1;
    return response_verdict::duplicate;
  }
  answered_[index] = true;
  answered_count_ += 1;
  return std::nullopt;
}

response_verdict signature_collector::add_signature(size_t index, const core::signature& sig) {
  if (auto rejected = claim(index)) {
    return *rejected;
  }
  if (!core::verify_signature(keys_[index], message_.data(), message_.size(), sig)) {
    invalid_ += 1;
    problems_.push_back("validator " + std::to_string(index) + ": invalid signature");
    return response_verdict::invalid_signature;
  }
  quorum_signature s{static_cast<uint16_t>(index), sig};
  auto at = std::upper_bound(
      proof_.signatures.begin(), proof_.signatures.end(), s,
      [](const quorum_signature& a, const quorum_signature& b) { return a.index < b.index; });
  proof_.signatures.insert(at, s);
  return response_verdict::accepted;
}

response_verdict signature_collector::add_error(size_t index, const std::string& error) {
  if (auto rejected = claim(index)) {
    return *rejected;
  }
  errors_ += 1;
  problems_.push_back("validator " + std::to_string(index) + ": " +
                      (error.empty() ? std::string("error") : error));
  return response_verdict::error_recorded;
}

collect_state signature_collector::state() const {
  if (valid() >= required_) {
    return collect_state::succeeded;
  }
  // Each validator answers once, so valid() + outstanding() never grows: failure is final.
  if (valid() + outstanding() < required_) {
    return collect_state::failed;
  }
  return collect_state::pending;
}

quorum_proof signature_collector::proof() const {
  return proof_;
}

std::string signature_collector::summary() const {
  const auto st = state();
  std::string out = std::string("quorum ") + to_string(st) + ": " + std::to_string(valid()) +
                    " of " + std::to_string(required_) + " required valid signatures (" +
                    std::to_string(errors_) + " error, " + std::to_string(invalid_) + " invalid, " +
                    std::to_string(duplicates_) + " duplicate, " + std::to_string(unknown_) +
                    " unknown, " + std::to_string(outstanding()) + " outstanding)";
  constexpr size_t shown = 5;
  for (size_t i = 0; i < problems_.size() && i < shown; ++i) {
    out += (i == 0 ? "; " : ", ") + problems_[i];
  }
  if (problems_.size() > shown) {
    out += ", ... " + std::to_string(problems_.size() - shown) + " more";
  }
  return out;
}

}  // namespace dsdn::da
